#pragma once
// Why talking to a booth failed, as a volunteer needs to hear it.
#include "common/error.hpp"

#include <string>

namespace sb::storysync {

class SyncError : public Error {
public:
    enum class Reason {
        unreachable,   // could not connect (switched off, wrong address, another network)
        interrupted,   // the connection broke or went silent in the middle of an answer
        unauthorized,  // 401: not paired, or the pairing was revoked
        refused,       // another error status; what() carries the booth's own sentence
        not_found,     // 404 for a file the booth listed (it was withdrawn meanwhile)
        protocol,      // an answer that is not what sync protocol v1 says
        corrupt,       // a file's bytes did not match its SHA-256, attempt after attempt
    };
    SyncError(Reason r, const std::string& what) : Error(what), reason_(r) {}
    Reason reason() const noexcept { return reason_; }
    // Faults that concern the whole booth (stop pulling from it) rather than one story.
    bool booth_wide() const noexcept { return reason_ != Reason::corrupt && reason_ != Reason::not_found; }

private:
    Reason reason_;
};

}  // namespace sb::storysync
