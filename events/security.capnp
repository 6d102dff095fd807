# Events of the security stream ("security"): users, their roles and token hashes, failed
# authentications and refused commands. Type ids 200 and up (events/security_events.hpp).
# Never renumber or reuse an ordinal. No token is ever in here: only its BLAKE2b hash.
@0x9a0678f53e8d9be6;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("baton::capnp_schema");

struct UserAdded {               # type 200: `batonctl user add NAME --role R`
  name    @0 :Text;
  role    @1 :Text;              # admin, approver, manager, viewer
}

struct UserRemoved {             # type 201: `batonctl user remove NAME` (its tokens go with it)
  name    @0 :Text;
}

struct TokenIssued {             # type 202: a new API token for a user (shown once, never stored)
  user    @0 :Text;
  tokenId @1 :Text;              # the public id used to revoke it
  hash    @2 :Text;              # hex of the 32-byte BLAKE2b (crypto_generichash) of the token
}

struct TokenRevoked {            # type 203: `batonctl user revoke NAME TOKEN_ID`
  user    @0 :Text;
  tokenId @1 :Text;
}

struct AuthFailed {              # type 204: an authentication with a missing, wrong or revoked token
  peer    @0 :Text;              # the client's node as CAF names it
  limited @1 :Bool;              # refused by the rate limit, without looking at the token
}

struct PermissionRefused {       # type 205: a command refused for the role of its identity
  actor    @0 :Text;
  role     @1 :Text;             # the role it had ("none" for an identity without one)
  command  @2 :Text;             # as typed: "campaign publish", "data load"
  campaign @3 :Text;             # "" when the command names none
}
