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
    /// ECDSA with P-256 and SHA-256 (RFC 7518 section 3.4): 64-byte `r || s`.
    ES256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3), 2048- to 4096-bit keys.
    RS256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt
    /// (RFC 7518 section 3.5), 2048- to 4096-bit keys.
    PS256,
}

impl Algorithm {
    /// Every implemented algorithm.
    pub const ALL: [Algorithm; 7] = [
        Algorithm::HS256,
        Algorithm::HS384,
        Algorithm::HS512,
        Algorithm::EdDSA,
        Algorithm::ES256,
        Algorithm::RS256,
        Algorithm::PS256,
    ];

    /// The `alg` header value (RFC 7518 section 3.1).
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::EdDSA => "EdDSA",
            Algorithm::ES256 => "ES256",
            Algorithm::RS256 => "RS256",
            Algorithm::PS256 => "PS256",
        }
    }

    /// Looks up an algorithm by its exact, case-sensitive `alg` name.
    pub fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The signature length in bytes. For RSA it depends on the key (the
    /// modulus length, see [`crate::Key::signature_len`]): this is the
    /// maximum, 512 bytes for a 4096-bit modulus.
    pub const fn signature_len(self) -> usize {
        match self {
            Algorithm::HS256 => 32,
            Algorithm::HS384 => 48,
            Algorithm::HS512 | Algorithm::EdDSA | Algorithm::ES256 => 64,
            Algorithm::RS256 | Algorithm::PS256 => RSA_MAX_SIGNATURE_LEN,
        }
    }

    /// Whether this build implements the algorithm: its Cargo feature
    /// (`hmac`, `eddsa`, `es256` or `rsa`, all on by default) is enabled.
    /// Keys of an algorithm compiled out are refused and its tokens are
    /// rejected, both with [`crate::Error::UnsupportedAlgorithm`].
    pub const fn is_supported(self) -> bool {
        match self {
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => cfg!(feature = "hmac"),
            Algorithm::EdDSA => cfg!(feature = "eddsa"),
            Algorithm::ES256 => cfg!(feature = "es256"),
            Algorithm::RS256 | Algorithm::PS256 => cfg!(feature = "rsa"),
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

/// The longest RSA signature: a 4096-bit modulus.
const RSA_MAX_SIGNATURE_LEN: usize = 512;
#[cfg(feature = "rsa")]
const _: () = assert!(RSA_MAX_SIGNATURE_LEN == crate::rsa::MAX_MODULUS_LEN);

/// The longest signature an algorithm of this build produces: RSA-4096
/// with `rsa`, 64 bytes (HS512, EdDSA, ES256) without. It sizes the
/// signature buffer on the verify and sign paths' stacks.
pub(crate) const MAX_SIGNATURE_LEN: usize = if cfg!(feature = "rsa") {
    RSA_MAX_SIGNATURE_LEN
} else {
    64
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            assert!(!alg.is_supported() || alg.signature_len() <= MAX_SIGNATURE_LEN);
        }
        for bad in [
            "none", "None", "hs256", "EDDSA", "", "HS256 ", "es256", "RS384", "PS512", "ES256K",
        ] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }
}
