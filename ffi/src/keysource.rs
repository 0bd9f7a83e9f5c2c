//! Keys from an identity provider (`jg_verifier_follow_jwks`,
//! `jg_verifier_follow_issuer`) over `jwtgate_sync::LiveVerifier::follow_keys`.
//!
//! Every rule (HTTPS only, redirects, the refresh schedule, the cooldown,
//! stale-if-error, the issuer check of discovery, fail-closed on stale
//! keys) lives in `jwtgate-sync`'s key source; this module converts the
//! options and the handle.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt as _;
use std::path::Path;
use std::time::Duration;

use jwtgate_sync::{KeyLocation, KeySource, KeySourceOptions, LiveVerifier, TransportOptions};

use crate::handle;
use crate::ptr::{self, boundary};
use crate::{jg_result, jg_verifier};

/// Options of `jg_verifier_follow_jwks` and `jg_verifier_follow_issuer`.
/// Fill it with `jg_key_source_options_init` (which sets `struct_size` and
/// the defaults), then change the fields you need. Owned by the caller;
/// read during the call only.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct jg_key_source_options {
    /// `sizeof(jg_key_source_options)`, set by `jg_key_source_options_init`:
    /// a library that does not know this size refuses the options
    /// (`JG_INVALID_ARGUMENT`) instead of misreading them.
    pub struct_size: usize,
    /// A PEM file of CA certificates trusted instead of the built-in web
    /// roots (`ca_file_len` bytes, not NUL-terminated); NULL: the web roots.
    pub ca_file: *const u8,
    /// Length of `ca_file`.
    pub ca_file_len: usize,
    /// 1: allow plain `http://` to a loopback address (tests, a local
    /// sidecar); 0 (the default): HTTPS only.
    pub allow_http_loopback: u32,
    /// The shortest interval between scheduled refreshes, whatever the
    /// provider's `Cache-Control` says (default 60 000).
    pub refresh_min_ms: u64,
    /// The longest interval between scheduled refreshes (default one day).
    pub refresh_max_ms: u64,
    /// The shortest interval between two refreshes asked for by tokens
    /// with an unknown `kid`, and the wait before retrying a failed fetch
    /// (default 30 000).
    pub cooldown_ms: u64,
    /// Verification fails closed with `JG_KEYS_STALE` once the keys were
    /// not confirmed current for this long; 0 (the default): never.
    pub max_key_staleness_ms: u64,
    /// The total time one HTTP request may take (default 10 000).
    pub timeout_ms: u64,
}

/// The size a caller of this library version passes in `struct_size`.
const OPTIONS_SIZE: usize = size_of::<jg_key_source_options>();

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl jg_key_source_options {
    fn defaults() -> Self {
        let source = KeySourceOptions::default();
        jg_key_source_options {
            struct_size: OPTIONS_SIZE,
            ca_file: std::ptr::null(),
            ca_file_len: 0,
            allow_http_loopback: 0,
            refresh_min_ms: millis(source.refresh_min),
            refresh_max_ms: millis(source.refresh_max),
            cooldown_ms: millis(source.cooldown),
            max_key_staleness_ms: 0,
            timeout_ms: millis(source.transport.timeout),
        }
    }

    /// The sync crate's options (and the maximum key staleness).
    ///
    /// # Safety
    /// `ca_file` NULL or readable for `ca_file_len` bytes.
    unsafe fn convert(&self) -> Result<(KeySourceOptions, Option<Duration>), jg_result> {
        if self.struct_size != OPTIONS_SIZE || self.allow_http_loopback > 1 {
            return Err(jg_result::JG_INVALID_ARGUMENT);
        }
        let defaults = KeySourceOptions::default();
        let timeout = Duration::from_millis(self.timeout_ms);
        let mut transport = TransportOptions {
            timeout,
            connect_timeout: timeout.min(defaults.transport.connect_timeout),
            allow_http_loopback: self.allow_http_loopback == 1,
            ..defaults.transport.clone()
        };
        if !self.ca_file.is_null() {
            // SAFETY: the caller's contract covers `ca_file`.
            let path = unsafe { ptr::bytes(self.ca_file, self.ca_file_len) }?;
            if path.is_empty() || path.contains(&0) {
                return Err(jg_result::JG_INVALID_ARGUMENT);
            }
            transport = transport.with_ca_file(Path::new(OsStr::from_bytes(path)))?;
        }
        let refresh_min = Duration::from_millis(self.refresh_min_ms);
        let refresh_max = Duration::from_millis(self.refresh_max_ms);
        let options = KeySourceOptions {
            transport,
            refresh_min,
            refresh_max,
            refresh_default: defaults
                .refresh_default
                .clamp(refresh_min, refresh_max.max(refresh_min)),
            cooldown: Duration::from_millis(self.cooldown_ms),
            ..defaults
        };
        let max_stale = (self.max_key_staleness_ms != 0)
            .then(|| Duration::from_millis(self.max_key_staleness_ms));
        Ok((options, max_stale))
    }
}

/// A thread keeping a verifier's keys current from an identity provider
/// (`jg_verifier_follow_jwks`, `jg_verifier_follow_issuer`). Release with
/// `jg_key_source_free`, which stops it.
pub struct jg_key_source {
    source: KeySource,
}

/// Fills `*options` with the defaults and `struct_size`.
///
/// # Safety
/// `options` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_key_source_options_init(
    options: *mut jg_key_source_options,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `options`.
        unsafe { ptr::write_out(options, jg_key_source_options::defaults()) }
    })
}

/// The shared body of the two `follow` functions.
///
/// # Safety
/// As `jg_verifier_follow_jwks`.
unsafe fn follow(
    verifier: *const jg_verifier,
    url: *const u8,
    url_len: usize,
    issuer: bool,
    options: *const jg_key_source_options,
    source_out: *mut *mut jg_key_source,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers every pointer.
        let (v, url) = unsafe { (ptr::obj(verifier)?, ptr::utf8(url, url_len)?) };
        if source_out.is_null() {
            return Err(jg_result::JG_NULL_PARAMETER);
        }
        let options = if options.is_null() {
            jg_key_source_options::defaults()
        } else {
            // SAFETY: non-NULL, readable (contract); the struct is `Copy`.
            unsafe { *options }
        };
        // SAFETY: the caller's contract covers `options.ca_file`.
        let (options, max_stale) = unsafe { options.convert() }?;
        let location = if issuer {
            KeyLocation::Issuer(url.to_owned())
        } else {
            KeyLocation::JwksUrl(url.to_owned())
        };
        let source = v.live.follow_keys(location, options)?;
        v.live.set_max_key_staleness(max_stale);
        // SAFETY: `source_out` is non-NULL (checked) and writable (contract).
        unsafe { handle::publish(jg_key_source { source }, source_out) }
    })
}

/// Fetches the keys of the JWKS at `url` (`url_len` UTF-8 bytes, `https://`)
/// now and installs them in the verifier (replacing its keys), then keeps
/// them current in a background thread: a refresh when the provider's
/// `Cache-Control: max-age` runs out (within the options' bounds), an early
/// one (at most one per cooldown) when a token names an unknown `kid`
/// (not waited for unless `jg_verifier_set_key_miss_wait` says so); a
/// failed fetch keeps the last good keys. `options` NULL: the defaults.
///
/// The first fetch's failure is returned and nothing is started:
/// `JG_KEY_FETCH` (910: connection, TLS, status, document) or
/// `JG_KEY_SOURCE_REFUSED` (911: the URL or a redirect refused by policy).
/// On success `*source_out` owns a new source: release it with
/// `jg_key_source_free` (either order with the verifier).
///
/// # Safety
/// `verifier` NULL or live; `url` NULL or readable for `url_len` bytes;
/// `options` NULL or a readable `jg_key_source_options` whose `ca_file` is
/// NULL or readable for `ca_file_len` bytes; `source_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_follow_jwks(
    verifier: *const jg_verifier,
    url: *const u8,
    url_len: usize,
    options: *const jg_key_source_options,
    source_out: *mut *mut jg_key_source,
) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { follow(verifier, url, url_len, false, options, source_out) }
}

/// As `jg_verifier_follow_jwks`, with the JWKS URL taken from the
/// OpenID Connect discovery document of `issuer`
/// (`{issuer}/.well-known/openid-configuration`, fetched once): its
/// `issuer` must equal `issuer` exactly (else `JG_KEY_SOURCE_REFUSED`), and
/// the verifier then requires it in tokens' `iss`.
///
/// # Safety
/// As `jg_verifier_follow_jwks`.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_follow_issuer(
    verifier: *const jg_verifier,
    issuer: *const u8,
    issuer_len: usize,
    options: *const jg_key_source_options,
    source_out: *mut *mut jg_key_source,
) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { follow(verifier, issuer, issuer_len, true, options, source_out) }
}

/// Sets (`max_ms` > 0) or clears (0, the default) the key-miss wait: the
/// longest `jg_verifier_verify` waits for the provider when a token names
/// a `kid` the verifier lacks, for the fetch in flight or the one the
/// token asks for (not inside the cooldown with no fetch in flight, not
/// for a `kid` a fetch already came back without), before verifying once.
/// Without it (0) such a token gives `JG_UNKNOWN_KEY` at once and the
/// refresh happens behind it. Only a key source
/// (`jg_verifier_follow_jwks`/`_issuer`) is waited for; the setting stays
/// across sources. Any time, from any thread.
///
/// # Safety
/// `verifier` NULL or live.
#[no_mangle]
pub unsafe extern "C" fn jg_verifier_set_key_miss_wait(
    verifier: *const jg_verifier,
    max_ms: u64,
) -> jg_result {
    // SAFETY: forwarded from this function's contract.
    unsafe { set_optional_ms(verifier, max_ms, LiveVerifier::set_key_miss_wait) }
}

/// The body of a verifier setter of an optional duration given in
/// milliseconds (0: none).
///
/// # Safety
/// `verifier` NULL or live.
pub(crate) unsafe fn set_optional_ms(
    verifier: *const jg_verifier,
    ms: u64,
    set: impl FnOnce(&LiveVerifier, Option<Duration>),
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `verifier`.
        let v = unsafe { ptr::obj(verifier) }?;
        set(&v.live, (ms != 0).then(|| Duration::from_millis(ms)));
        Ok(())
    })
}

/// Copies the source's last fetch error (UTF-8, not NUL-terminated; kept
/// after recovery) like `jg_follower_last_error`.
///
/// # Safety
/// `source` NULL or live; `out` writable for `out_cap` bytes; `out_len`
/// NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_key_source_last_error(
    source: *const jg_key_source,
    out: *mut u8,
    out_cap: usize,
    out_len: *mut usize,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `source`.
        let s = unsafe { ptr::obj(source) }?;
        let text = s.source.last_error().unwrap_or_default();
        // SAFETY: the caller's contract covers `out` and `out_len`.
        unsafe { ptr::write_text(text.as_bytes(), out, out_cap, out_len) }
    })
}

/// Writes to `*staleness_ms_out` how many milliseconds ago the source last
/// confirmed the keys current (a good fetch or a 304).
///
/// # Safety
/// `source` NULL or live; `staleness_ms_out` NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn jg_key_source_staleness_ms(
    source: *const jg_key_source,
    staleness_ms_out: *mut u64,
) -> jg_result {
    boundary(|| {
        // SAFETY: the caller's contract covers `source`.
        let s = unsafe { ptr::obj(source) }?;
        let ms = s.source.key_staleness().map_or(u64::MAX, millis);
        // SAFETY: the caller's contract covers `staleness_ms_out`.
        unsafe { ptr::write_out(staleness_ms_out, ms) }
    })
}

/// Stops the source (waiting for a request in flight, within the timeout)
/// and releases it; the verifier keeps its last keys, which then age (see
/// `max_key_staleness_ms`). NULL is a no-op; a second free is detected and
/// ignored (do not rely on it).
///
/// # Safety
/// `source` NULL or from `jg_verifier_follow_jwks`/`_issuer`, used by no
/// other thread during or after this call.
#[no_mangle]
pub unsafe extern "C" fn jg_key_source_free(source: *mut jg_key_source) {
    crate::ptr::boundary_or((), || {
        // SAFETY: the caller's contract. Dropping stops the thread.
        unsafe { handle::release(source) }
    });
}
