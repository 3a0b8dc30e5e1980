#pragma once
// Identities. Never derived from the clock: the Pi has no real-time clock.
#include <string>

namespace sb {

// A random (version 4) UUID in canonical lower-case form, from the kernel's random source.
std::string new_uuid();

// True when `s` is a canonical lower-case UUID (safe to use as a folder name).
bool is_uuid(const std::string& s);
// 128 random bits as 32 lower-case hex digits: the unguessable part of a secret link.
std::string new_secret_link();
// True when `s` is 32 lower-case hex digits.
bool is_secret_link(const std::string& s);

}  // namespace sb
