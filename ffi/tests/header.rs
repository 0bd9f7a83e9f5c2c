//! The committed `include/jwtgate.h` must be exactly what cbindgen generates
//! from the current sources. Run with `JWTGATE_BLESS=1` to rewrite it.

use std::path::PathBuf;

#[test]
fn committed_header_is_up_to_date() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let committed_path = crate_dir.join("../include/jwtgate.h");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("ffi/cbindgen.toml parses");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");

    if std::env::var_os("JWTGATE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&committed_path, &generated).expect("write include/jwtgate.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != generated {
        let first_diff = committed
            .lines()
            .zip(generated.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  committed: {a}\n  generated: {b}", i + 1))
            .unwrap_or_else(|| "the files differ in length".to_owned());
        panic!(
            "include/jwtgate.h is stale ({first_diff}).\n\
             Regenerate it with: JWTGATE_BLESS=1 cargo test -p jwtgate-ffi --test header"
        );
    }
}

#[test]
fn header_version_matches_the_crate() {
    let header = include_str!("../../include/jwtgate.h");
    let want = format!("#define JWTGATE_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        header.contains(&want),
        "update after_includes in ffi/cbindgen.toml: {want}"
    );
}
