//! The `jwtgate` command line (work in progress).

fn main() {}
