# Shared by the scripts: source it, do not run it.

# Where cargo puts its builds: CARGO_TARGET_DIR, a config file's build.target-dir,
# or ./target, as cargo itself decides.
target_dir() {
    local dir
    dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
        | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    # Should cargo not answer, its default.
    echo "${dir:-target}"
}
