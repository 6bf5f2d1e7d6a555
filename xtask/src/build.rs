//! `cargo xtask build`: the web build. Installs the tools it needs, compiles the library to
//! wasm32, generates the JS bindings, optimises the module and copies weights and gallery into
//! `www/`, which is then a complete static site.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;

use crate::{cargo, command, root, run, short, WeightsArg};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// One wasm module: which package, with which cargo features, whether its own crate also gets
/// relaxed SIMD, and which folder of `www/` gets the module and its bindings.
struct Module {
    package: &'static str,
    /// Its library's file name (`<lib>.wasm`, `<lib>_bg.wasm`, `<lib>.js`).
    lib: &'static str,
    cargo_features: &'static str,
    relaxed: bool,
    pkg: &'static str,
}

/// Every crate of every module is built with simd128 (`RUSTFLAGS`), in one target folder, so the
/// dependencies are compiled once for all three. Relaxed SIMD is enabled for the `lcnet` crate
/// alone (`cargo rustc -- -C target-feature`): its code (the convolutions' multiply-adds) is the
/// only one that uses it.
pub const SIMD: &str = "-C target-feature=+simd128";
pub const RELAXED: &str = "target-feature=+simd128,+relaxed-simd";

/// The page loads `pkg-relaxed/` where the browser validates relaxed SIMD (fused multiply-add in
/// the convolutions) and `pkg/` (simd128 only) elsewhere; `pkg-reference/` (candle, the
/// reference executor) only when a visitor asks for it.
const MODULES: [Module; 3] = [
    Module {
        package: "lcnet",
        lib: "lcnet",
        cargo_features: "web",
        relaxed: false,
        pkg: "pkg",
    },
    Module {
        package: "lcnet",
        lib: "lcnet",
        cargo_features: "web",
        relaxed: true,
        pkg: "pkg-relaxed",
    },
    Module {
        package: "lcnet-reference",
        lib: "lcnet_reference",
        cargo_features: "",
        relaxed: false,
        pkg: "pkg-reference",
    },
];
/// Sample images for the page; copied to `www/gallery/` when present.
const GALLERY_SRC: &str = "weights/gallery";
/// Test images for the page's "measure it yourself" (`lcnet subset`, CIFAR binary format); copied
/// to `www/data/` when present.
const TEST_SUBSET: &str = "weights/test-subset.bin";

#[derive(Args, Clone)]
pub struct Options {
    #[command(flatten)]
    pub weights: WeightsArg,
    /// Debug wasm build (faster to compile, no wasm-opt).
    #[arg(long)]
    pub debug: bool,
}

/// Runs the whole web build. Returns the weights file it shipped.
pub fn build(opts: &Options) -> Result<PathBuf> {
    let weights = opts.weights.resolve()?;
    let www = root().join("www");

    ensure_wasm_target()?;
    let wasm_bindgen = ensure_wasm_bindgen()?;
    ensure_node_modules()?;

    // The `wasm` profile (root Cargo.toml) adds LTO and one codegen unit to `release`.
    let profile = if opts.debug { "debug" } else { "wasm" };
    let mut bg = PathBuf::new();
    let mut unoptimised = 0;
    for module in MODULES {
        let started = Instant::now();
        let mut build = cargo();
        build.args(["rustc", "-p", module.package, "--lib", "--target"]);
        build.args([WASM_TARGET, "--no-default-features"]);
        if !module.cargo_features.is_empty() {
            build.args(["--features", module.cargo_features]);
        }
        if !opts.debug {
            build.args(["--profile", "wasm"]);
        }
        if module.relaxed {
            build.args(["--", "-C", RELAXED]);
        }
        // Only affects the wasm32 artifacts: with --target, RUSTFLAGS skips build scripts.
        run(build.env("RUSTFLAGS", SIMD))?;
        println!("wasm build ({}): {:.0?}", module.pkg, started.elapsed());

        // Both page modules are built to the same file; each is bound before the next build.
        let wasm = root().join(format!(
            "target/{WASM_TARGET}/{profile}/{}.wasm",
            module.lib
        ));
        let out = www.join(module.pkg).join(format!("{}_bg.wasm", module.lib));
        let size = bindgen(&wasm_bindgen, &wasm, &out, !opts.debug, module.relaxed)?;
        let (raw, gz) = sizes(&out)?;
        println!(
            "{}: {:.2} MB raw ({:.2} MB before wasm-opt), {:.2} MB gzipped",
            short(&out),
            raw as f64 / 1e6,
            size as f64 / 1e6,
            gz as f64 / 1e6
        );
        if module.pkg == "pkg" {
            (bg, unoptimised) = (out, size);
        }
    }

    copy(&weights, &www.join("weights/model.safetensors"))?;
    copy(
        &weights.with_extension("json"),
        &www.join("weights/model.json"),
    )?;
    copy_gallery(&root().join(GALLERY_SRC), &www.join("gallery"))?;
    copy_stats(&stats_dir(&weights), &www.join("stats"))?;
    let subset = root().join(TEST_SUBSET);
    if subset.is_file() {
        copy(&subset, &www.join("data/test-subset.bin"))?;
    } else {
        println!("note: no {TEST_SUBSET} (run `lcnet subset`), the page can only measure a test set a visitor chooses");
    }

    let (id, files) = build_files(&www)?;
    let subset_bytes = fs::metadata(www.join("data/test-subset.bin")).map_or(0, |m| m.len());
    let info = serde_json::json!({ "build": id, "files": files, "subset_bytes": subset_bytes });
    fs::write(www.join("build.json"), serde_json::to_string(&info)? + "\n")?;
    println!(
        "build {id}: {} files for offline use (www/build.json; the service worker keeps one cache per build)",
        files.len()
    );

    let (raw, gz) = sizes(&bg)?;
    println!(
        "{}: {:.2} MB raw ({:.2} MB before wasm-opt), {:.2} MB gzipped; weights: {}",
        short(&bg),
        raw as f64 / 1e6,
        unoptimised as f64 / 1e6,
        gz as f64 / 1e6,
        weights.display()
    );
    Ok(weights)
}

/// wasm-bindgen, then wasm-opt when `optimise`: from `wasm` to `bg` (`www/pkg*/lcnet_bg.wasm`).
/// Skipped when `wasm` has not changed since the last run, because wasm-opt takes a minute or
/// two here. Returns the module's size before wasm-opt.
fn bindgen(
    wasm_bindgen: &Path,
    wasm: &Path,
    bg: &Path,
    optimise: bool,
    relaxed: bool,
) -> Result<u64> {
    let pkg = bg.parent().expect("bg is inside www/pkg");
    let bytes = fs::read(wasm).with_context(|| format!("reading {}", short(wasm)))?;
    // The stamp: which module (by its content: both page modules are built to one file) was
    // processed how, then its size before wasm-opt.
    let stamp = pkg.join(".source");
    let hash = fnv1a(FNV_START, &bytes);
    let source = format!("{} {hash:016x} {optimise}\n", short(wasm));
    let previous = fs::read_to_string(&stamp).unwrap_or_default();
    if let Some(size) = previous
        .strip_prefix(&source)
        .and_then(|s| s.trim().parse().ok())
    {
        if bg.is_file() {
            println!("{} is up to date", short(pkg));
            return Ok(size);
        }
    }
    remove_dir(pkg)?;
    run(command(wasm_bindgen)
        .args(["--target", "web", "--out-dir"])
        .args([pkg, wasm]))?;
    let unoptimised = fs::metadata(bg)?.len();
    if optimise {
        wasm_opt(bg, relaxed)?;
    }
    fs::write(&stamp, format!("{source}{unoptimised}\n"))?;
    Ok(unoptimised)
}

/// `rustup target add` is quick when the target is present, but noisy; check first.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if !installed.lines().any(|t| t.trim() == WASM_TARGET) {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

/// The wasm-bindgen CLI must match the `wasm-bindgen` crate exactly (its output embeds a schema
/// version). Returns the binary to call.
fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let version = locked_version("wasm-bindgen")?;
    let installed = cargo_home().join("bin/wasm-bindgen");
    for candidate in [PathBuf::from("wasm-bindgen"), installed.clone()] {
        if cli_version(&candidate).as_deref() == Some(version.as_str()) {
            return Ok(candidate);
        }
    }
    // No --locked: a version pinned in wasm-bindgen-cli's lock file is not served by the registry.
    run(cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))?;
    match cli_version(&installed) {
        Some(v) if v == version => Ok(installed),
        found => bail!("installed wasm-bindgen reports {found:?}, expected {version}"),
    }
}

/// The version of a package in Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let key = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&key)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + key.len();
    let len = lock[start..].find('"').context("malformed Cargo.lock")?;
    Ok(lock[start..start + len].to_string())
}

/// `wasm-bindgen --version` prints `wasm-bindgen 0.2.130`; None when not runnable.
fn cli_version(program: &Path) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.split_whitespace().nth(1)?.to_string())
}

fn cargo_home() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => home.into(),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo"),
    }
}

/// Installs the npm packages (wasm-opt from `binaryen`, playwright-core for the browser tests)
/// when `node_modules` is missing or older than package.json or its lock file.
pub fn ensure_node_modules() -> Result<()> {
    let root = root();
    if !root.join("package.json").is_file() {
        println!("warning: no package.json, so no npm packages (wasm-opt, the browser drivers)");
        return Ok(());
    }
    let lock = root.join("package-lock.json");
    // npm rewrites node_modules/.package-lock.json on every install.
    let installed = modified(&root.join("node_modules/.package-lock.json"));
    let fresh = ["package.json", "package-lock.json"]
        .iter()
        .all(|f| installed.is_some() && modified(&root.join(f)) <= installed);
    if fresh {
        return Ok(());
    }
    // The browser drivers' clients (playwright-core, puppeteer-core, selenium-webdriver) drive
    // Debian's browsers: none may download one.
    run(command("npm")
        .arg(if lock.is_file() { "ci" } else { "install" })
        .env("PUPPETEER_SKIP_DOWNLOAD", "1")
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// wasm-opt from npm's `binaryen`. Never Debian's binaryen 108: its output fails to load.
fn wasm_opt(wasm: &Path, relaxed: bool) -> Result<()> {
    let wasm_opt = root().join("node_modules/.bin/wasm-opt");
    if !wasm_opt.is_file() {
        println!("warning: node_modules/.bin/wasm-opt missing (npm package `binaryen`); wasm left unoptimised");
        return Ok(());
    }
    let started = Instant::now();
    // The features rustc enables by default for wasm32-unknown-unknown, plus simd128 (and
    // relaxed SIMD for that module).
    run(command(wasm_opt)
        .args([
            "-O3",
            "--enable-simd",
            "--enable-bulk-memory",
            "--enable-sign-ext",
        ])
        .args([
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
        ])
        .args(["--enable-reference-types", "--enable-multivalue"])
        .args(relaxed.then_some("--enable-relaxed-simd"))
        .arg(wasm)
        .arg("-o")
        .arg(wasm))?;
    println!("wasm-opt: {:.0?}", started.elapsed());
    Ok(())
}

fn copy(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to.parent().expect("destination has a parent"))?;
    fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), short(to)))?;
    Ok(())
}

/// Replaces `www/gallery/` with the gallery images of the weights (images of an earlier model's
/// gallery would linger otherwise). Without `weights/gallery/`, a gallery kept in `www/` stays.
fn copy_gallery(from: &Path, to: &Path) -> Result<()> {
    if !from.is_dir() {
        println!("note: no {GALLERY_SRC}/, gallery not copied");
        return Ok(());
    }
    remove_dir(to)?;
    let count = copy_files(from, to)?;
    println!("gallery: {count} files copied to {}", short(to));
    Ok(())
}

/// Where `lcnet stats` wrote the teaching views' data for `weights`: `<weights stem>-stats/`
/// next to it (`stats.json` and the example PNGs).
pub fn stats_dir(weights: &Path) -> PathBuf {
    let stem = weights
        .file_stem()
        .map_or_else(|| "model".to_string(), |s| s.to_string_lossy().to_string());
    weights.with_file_name(format!("{stem}-stats"))
}

/// Replaces `www/stats/` with the stats of the shipped weights (stats of another model would
/// describe a network the page does not run).
fn copy_stats(from: &Path, to: &Path) -> Result<()> {
    remove_dir(to)?;
    if !from.join("stats.json").is_file() {
        println!(
            "note: no {}/stats.json (run `lcnet stats`), the per-class views stay empty",
            short(from)
        );
        return Ok(());
    }
    let count = copy_files(from, to)?;
    println!("stats: {count} files copied to {}", short(to));
    Ok(())
}

/// Copies the files (not the folders) of `from` into `to`; returns how many.
fn copy_files(from: &Path, to: &Path) -> Result<usize> {
    let mut count = 0;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_file() {
            copy(&entry.path(), &to.join(entry.file_name()))?;
            count += 1;
        }
    }
    Ok(count)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("removing {}", short(dir)))
        }
        _ => Ok(()),
    }
}

/// Raw and gzipped (level 9) size in bytes.
/// An id of everything `www/` serves (FNV-1a, 64 bits, over every file's path and bytes in path
/// order; `build.json` and the build stamps left out), so a new build gets a new id and the
/// page's service worker a new cache; and the files that worker keeps up front for offline use:
/// all but the wasm builds (the page adds the one its browser loaded), the weights (the model
/// worker keeps them by their sha256) and the test subset (kept once a visitor measures).
fn build_files(www: &Path) -> Result<(String, Vec<String>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
        for entry in fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                walk(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    walk(www, &mut paths)?;
    paths.sort();
    let mut h = FNV_START;
    let mut keep = vec!["./".to_string()];
    for f in &paths {
        let name = f.strip_prefix(www)?.to_string_lossy().replace('\\', "/");
        if name == "build.json" || name.ends_with(".source") || name.ends_with(".gitignore") {
            continue;
        }
        h = fnv1a(fnv1a(h, name.as_bytes()), &fs::read(f)?);
        let skip = ["pkg/", "pkg-relaxed/", "pkg-reference/", "data/"];
        if !skip.iter().any(|d| name.starts_with(d)) && !name.ends_with(".safetensors") {
            keep.push(name);
        }
    }
    Ok((format!("{h:016x}"), keep))
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a of `bytes`, continuing from `h`: a cheap content stamp, not a security hash.
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn sizes(path: &Path) -> Result<(usize, usize)> {
    let bytes = fs::read(path).with_context(|| format!("reading {}", short(path)))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&bytes)?;
    Ok((bytes.len(), gz.finish()?.len()))
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("could not start {:?}", cmd.get_program()))?;
    if !out.status.success() {
        bail!("{:?} failed ({})", cmd.get_program(), out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
