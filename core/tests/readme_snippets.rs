//! The README's C, Go and Python examples are copies of files the test
//! command compiles and runs (`<!-- snippet: PATH -->` before a code block
//! names the file). This keeps the copies from drifting: each block must
//! appear in its file, line for line, indentation aside.

use std::path::Path;

fn normalized(text: &str) -> Vec<&str> {
    text.lines().map(str::trim).collect()
}

#[test]
fn every_readme_snippet_is_in_its_tested_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut checked = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- snippet: ") {
        rest = &rest[at + "<!-- snippet: ".len()..];
        let path = &rest[..rest.find(" -->").unwrap()];
        let fence = rest.find("```").unwrap();
        let block_start = fence + rest[fence..].find('\n').unwrap() + 1;
        let block_len = rest[block_start..].find("```").unwrap();
        let block = &rest[block_start..block_start + block_len];
        let file = std::fs::read_to_string(root.join(path))
            .unwrap_or_else(|e| panic!("README names {path}: {e}"));
        let (block, file) = (normalized(block), normalized(&file));
        assert!(
            file.windows(block.len()).any(|w| w == block.as_slice()),
            "the README block marked {path} is not in {path}"
        );
        checked += 1;
        rest = &rest[block_start + block_len..];
    }
    assert!(
        checked >= 2,
        "expected the C and Go snippets at least, found {checked}"
    );
}

#[test]
fn readme_error_table_matches_the_codes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let rows: Vec<(u32, String)> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let code = cells.get(1)?.parse().ok()?;
            Some((code, cells.get(3)?.to_string()))
        })
        .collect();
    let expected: Vec<(u32, String)> = jwtgate::Error::CODES
        .iter()
        .map(|(code, message)| (*code, message.to_string()))
        .collect();
    assert_eq!(rows, expected);
}
