#pragma once
// Internal to the auth library: libsodium must be initialised before any of its functions run.

namespace sb::auth::detail {

// Calls sodium_init() once per process (thread-safe; later calls are free). Throws sb::Error if
// libsodium cannot start (no source of randomness).
void ensure_sodium();

}  // namespace sb::auth::detail
