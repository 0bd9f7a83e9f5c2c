package jwtgate

/*
#include "jwtgate.h"
*/
import "C"

// Error is the error every jwtgate function returns: a stable numeric code,
// the same number in Rust (jwtgate::Error::code), C (jg_result), Go and Python.
//
// Compare with the sentinels using errors.Is:
//
//	if errors.Is(err, jwtgate.ErrExpired) { ... }
type Error struct {
	// Code is the jg_result value: 1..99 for binding conditions, 100..899
	// for the core's errors (1xx malformed, 2xx unsupported, 3xx keys,
	// 4xx signature, 5xx claims, 6xx revoked, 7xx limits, 8xx denylist),
	// 9xx for the sync layer (900 stale denylist, 901..907 sources and
	// store, 908 stale keys; the sync layer's 909, an invalid name or
	// prefix, is ErrInvalidArgument here).
	Code int
}

// Error returns the library's message for the code.
func (e *Error) Error() string {
	return "jwtgate: " + message(e.Code)
}

// Is reports whether target is an *Error with the same code, so that
// errors.Is(err, ErrExpired) holds for every expiry error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func message(code int) string {
	return C.GoString(C.jg_error_message(C.uint32_t(code)))
}

// The sentinel errors, one per code. Binding conditions first.
var (
	ErrNullParameter    = &Error{C.JG_NULL_PARAMETER}    // a required pointer was nil (a binding bug, or use after Close)
	ErrPanic            = &Error{C.JG_PANIC}             // the library caught an internal panic (a bug)
	ErrInsufficientSize = &Error{C.JG_INSUFFICIENT_SIZE} // an output buffer was too small
	ErrInvalidUTF8      = &Error{C.JG_INVALID_UTF8}      // a string argument is not UTF-8
	ErrInvalidArgument  = &Error{C.JG_INVALID_ARGUMENT}  // an argument is out of range
	ErrInternal         = &Error{C.JG_INTERNAL_ERROR}    // the core returned an unknown code

	ErrMalformed             = &Error{C.JG_MALFORMED}               // 100: not compact JWS with three parts
	ErrBase64                = &Error{C.JG_BASE64}                  // 101: invalid or non-canonical base64url
	ErrHeaderJSON            = &Error{C.JG_HEADER_JSON}             // 102: the header is not a JSON object
	ErrClaimsJSON            = &Error{C.JG_CLAIMS_JSON}             // 103: the claims are not a JSON object
	ErrDuplicateMember       = &Error{C.JG_DUPLICATE_MEMBER}        // 104: duplicate JSON member name
	ErrInvalidClaimType      = &Error{C.JG_INVALID_CLAIM_TYPE}      // 105: a registered claim has a wrong type or value
	ErrMissingAlgorithm      = &Error{C.JG_MISSING_ALGORITHM}       // 106: the header has no alg
	ErrUnsupportedAlgorithm  = &Error{C.JG_UNSUPPORTED_ALGORITHM}   // 200: unsupported alg (including none)
	ErrUnsupportedCritical   = &Error{C.JG_UNSUPPORTED_CRITICAL}    // 201: unsupported crit header
	ErrUnknownKey            = &Error{C.JG_UNKNOWN_KEY}             // 300: no key for the token's kid and alg
	ErrAlgorithmMismatch     = &Error{C.JG_ALGORITHM_MISMATCH}      // 301: the token's alg is not the key's
	ErrAmbiguousKey          = &Error{C.JG_AMBIGUOUS_KEY}           // 302: no kid and several keys fit
	ErrInvalidKey            = &Error{C.JG_INVALID_KEY}             // 303: invalid key material
	ErrWeakKey               = &Error{C.JG_WEAK_KEY}                // 304: HMAC secret shorter than the hash
	ErrKeySetFull            = &Error{C.JG_KEY_SET_FULL}            // 305: the key set is full
	ErrJWKS                  = &Error{C.JG_JWKS}                    // 306: invalid JWKS document
	ErrDuplicateKeyID        = &Error{C.JG_DUPLICATE_KEY_ID}        // 307: duplicate kid for one algorithm
	ErrEmptyKeySet           = &Error{C.JG_EMPTY_KEY_SET}           // 308: no key with an allowed algorithm
	ErrEmptyAllowList        = &Error{C.JG_EMPTY_ALLOW_LIST}        // 309: empty issuer, audience or algorithm list
	ErrInvalidSignature      = &Error{C.JG_INVALID_SIGNATURE}       // 400: the signature does not verify
	ErrExpired               = &Error{C.JG_EXPIRED}                 // 500: exp has passed
	ErrNotYetValid           = &Error{C.JG_NOT_YET_VALID}           // 501: nbf is in the future
	ErrIssuedInFuture        = &Error{C.JG_ISSUED_IN_FUTURE}        // 502: iat is in the future
	ErrInvalidIssuer         = &Error{C.JG_INVALID_ISSUER}          // 503: iss is not accepted
	ErrInvalidAudience       = &Error{C.JG_INVALID_AUDIENCE}        // 504: no aud value is accepted
	ErrMissingClaim          = &Error{C.JG_MISSING_CLAIM}           // 505: a required claim is absent
	ErrInvalidType           = &Error{C.JG_INVALID_TYPE}            // 506: the header typ is not accepted
	ErrTooOld                = &Error{C.JG_TOO_OLD}                 // 507: older than the maximum age
	ErrRevoked               = &Error{C.JG_REVOKED}                 // 600: the denylist revokes the token
	ErrTokenTooLarge         = &Error{C.JG_TOKEN_TOO_LARGE}         // 700: longer than MaxTokenLen
	ErrJSONTooDeep           = &Error{C.JG_JSON_TOO_DEEP}           // 701: JSON nested too deep
	ErrTooManyMembers        = &Error{C.JG_TOO_MANY_MEMBERS}        // 702: JSON object or array too large
	ErrBufferTooSmall        = &Error{C.JG_BUFFER_TOO_SMALL}        // 703: an internal buffer is too small
	ErrFieldTooLong          = &Error{C.JG_FIELD_TOO_LONG}          // 704: a field exceeds its maximum length
	ErrDenylistMalformed     = &Error{C.JG_DENYLIST_MALFORMED}      // 800: not a jwtgate denylist
	ErrDenylistChecksum      = &Error{C.JG_DENYLIST_CHECKSUM}       // 801: denylist corrupt or truncated
	ErrDenylistVersion       = &Error{C.JG_DENYLIST_VERSION}        // 802: unsupported denylist version
	ErrDenylistFull          = &Error{C.JG_DENYLIST_FULL}           // 803: denylist capacity exceeded
	ErrRevocationExpired     = &Error{C.JG_REVOCATION_EXPIRED}      // 804: until plus the maximum leeway is past: it would revoke nothing
	ErrRevocationTooFar      = &Error{C.JG_REVOCATION_TOO_FAR}      // 805: until is beyond the maximum token lifetime
	ErrLeewayBeyondRetention = &Error{C.JG_LEEWAY_BEYOND_RETENTION} // 806: a larger leeway than the live denylist keeps revocations

	ErrStale             = &Error{C.JG_DENYLIST_STALE}      // 900: the live denylist is older than the maximum staleness (fail closed)
	ErrSyncIO            = &Error{C.JG_SYNC_IO}             // 901: a snapshot file cannot be read, or a thread cannot start
	ErrSyncRedis         = &Error{C.JG_SYNC_REDIS}          // 902: Redis is unreachable, refused a command, or the URL is invalid
	ErrSyncProtocol      = &Error{C.JG_SYNC_PROTOCOL}       // 903: unexpected data in Redis
	ErrInvalidRevocation = &Error{C.JG_INVALID_REVOCATION}  // 904: empty identifier, no bound, or a value past 2^53
	ErrNotReady          = &Error{C.JG_NOT_READY}           // 905: the follower has not loaded from Redis yet
	ErrSourceActive      = &Error{C.JG_SOURCE_ACTIVE}       // 906: the verifier already has a running follower or watcher
	ErrNotReplicated     = &Error{C.JG_SYNC_NOT_REPLICATED} // 907: stored on the master, too few replicas acknowledged (WAIT); revoke again
	ErrKeysStale         = &Error{C.JG_KEYS_STALE}          // 908: no key source confirmed the keys within the maximum key staleness (fail closed)
	ErrKeyFetch          = &Error{C.JG_KEY_FETCH}           // 910: fetching the keys failed (connection, TLS, HTTP status, document)
	ErrKeySourceRefused  = &Error{C.JG_KEY_SOURCE_REFUSED}  // 911: the key URL, a redirect or the discovered issuer was refused by policy
)

var sentinels = []*Error{
	ErrNullParameter, ErrPanic, ErrInsufficientSize, ErrInvalidUTF8, ErrInvalidArgument, ErrInternal,
	ErrMalformed, ErrBase64, ErrHeaderJSON, ErrClaimsJSON, ErrDuplicateMember, ErrInvalidClaimType,
	ErrMissingAlgorithm, ErrUnsupportedAlgorithm, ErrUnsupportedCritical, ErrUnknownKey,
	ErrAlgorithmMismatch, ErrAmbiguousKey, ErrInvalidKey, ErrWeakKey, ErrKeySetFull, ErrJWKS,
	ErrDuplicateKeyID, ErrEmptyKeySet, ErrEmptyAllowList, ErrInvalidSignature, ErrExpired, ErrNotYetValid, ErrIssuedInFuture,
	ErrInvalidIssuer, ErrInvalidAudience, ErrMissingClaim, ErrInvalidType, ErrTooOld, ErrRevoked,
	ErrTokenTooLarge, ErrJSONTooDeep, ErrTooManyMembers, ErrBufferTooSmall, ErrFieldTooLong,
	ErrDenylistMalformed, ErrDenylistChecksum, ErrDenylistVersion, ErrDenylistFull,
	ErrRevocationExpired, ErrRevocationTooFar, ErrLeewayBeyondRetention, ErrStale, ErrSyncIO, ErrSyncRedis, ErrSyncProtocol, ErrInvalidRevocation, ErrNotReady,
	ErrSourceActive, ErrNotReplicated, ErrKeysStale, ErrKeyFetch, ErrKeySourceRefused,
}

// toError turns a jg_result into nil or the sentinel for its code.
func toError(rc C.jg_result) error {
	if rc == C.JG_OK {
		return nil
	}
	code := int(rc)
	for _, s := range sentinels {
		if s.Code == code {
			return s
		}
	}
	return &Error{Code: code}
}
