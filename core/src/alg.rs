//! The JWS algorithms jwtgate implements (RFC 7518, RFC 8037).

/// A signature algorithm. It is a property of a [`crate::Key`], never
/// taken from a token: a token's `alg` must name the key's algorithm.
///
/// `none` is not an algorithm here, so it can never be selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256 (RFC 7518 section 3.2).
    HS256,
    /// HMAC with SHA-384 (RFC 7518 section 3.2).
    HS384,
    /// HMAC with SHA-512 (RFC 7518 section 3.2).
    HS512,
    /// EdDSA with Ed25519, strict verification (RFC 8037 section 3.1).
    EdDSA,
}

impl Algorithm {
    /// Every implemented algorithm.
    pub const ALL: [Algorithm; 4] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::EdDSA,
    ];

    /// The `alg` header value (RFC 7518 section 3.1).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::EdDSA => "EdDSA",
        }
    }

    /// Looks up an algorithm by its exact, case-sensitive `alg` name.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The signature length in bytes.
    pub const fn signature_len(self) -> usize {
        match self {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 | Algorithm::EdDSA => 64,
        }
    }

    /// Whether the algorithm uses a shared secret (HMAC).
    pub const fn is_symmetric(self) -> bool {
        matches!(self, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512)
    }
}

impl core::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// The longest signature any algorithm produces.
pub(crate) const MAX_SIGNATURE_LEN: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            assert!(alg.signature_len() <= MAX_SIGNATURE_LEN);
        }
        for bad in ["none", "None", "hs256", "EDDSA", "", "HS256 "] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }
}
