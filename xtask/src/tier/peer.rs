//! Tier `peer`: tests that somebody else wrote. glibc's own clone tests (from Debian's
//! `glibc-source`, unmodified, with glibc's `support/` test driver), compiled with
//! Debian's gcc for each architecture and linked twice, statically: with freeclone's C
//! ABI (`capi/`, packed into `libfreeclone.a` as `cargo xtask capi` does, before the C
//! library) and with glibc alone (the control). Every program runs on each machine the other tiers use (qemu-user, the
//! host, the architecture's kernel with a runner as `/init`), with
//! `FREECLONE_CAPI_TRACE=1`. Next to them: the C ABI's smoke test and the differential
//! fuzz (`tests/peer/fuzz.c`: freeclone's `clone` against glibc's `__clone`).
//!
//! A glibc test's verdict on a machine:
//! - `ok`: the freeclone build passes (glibc's driver exits 0), and it proved that it
//!   called freeclone: its symbol table holds `freeclone_capi_calls` and a `clone` that
//!   is not glibc's `__clone`, and its output holds the library's trace lines; the
//!   control holds neither and passes too.
//! - `skip` (qemu-user only): it fails exactly as the control does (same exit status,
//!   same output once numbers are masked), and every clone call that failed asked for
//!   flags that qemu-user's own clone refuses (see [`qemu_user_refuses`]): a proven
//!   emulator limit.
//! - `FAIL` otherwise.
//!
//! Toolchains: the cross gcc, binutils and glibc packages are not installed (installing
//! `gcc-multilib`, which the benchmarks need, removes the cross gcc packages): their
//! `.deb`s are downloaded with `apt-get download` and unpacked into freeclone's cache
//! (`peer/toolchains/<triple>`), as are glibc's sources (`peer/glibc`). Compiled objects
//! are cached in `target/peer/<arch>` and rebuilt only when the toolchain, the sources
//! or the flags change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use object::{Object, ObjectSymbol};

use xtask::arches::{Arch, PeerSpec, Machine};
use xtask::debian::cache_root;
use xtask::kernel::{self, Console};
use xtask::util::{output_of, run_status, run_with_timeout};

use super::conformance::{self, Line};
use super::{Row, RunResult};
use crate::build::{self, Program};
use crate::capi;

/// glibc's clone tests: (name, path in glibc's source tree).
pub const TESTS: &[(&str, &str)] = &[
    ("tst-clone", "sysdeps/unix/sysv/linux/tst-clone.c"),
    ("tst-clone2", "sysdeps/unix/sysv/linux/tst-clone2.c"),
    ("tst-clone3", "sysdeps/unix/sysv/linux/tst-clone3.c"),
    (
        "tst-align-clone",
        "sysdeps/unix/sysv/linux/tst-align-clone.c",
    ),
    (
        "tst-misalign-clone",
        "sysdeps/unix/sysv/linux/tst-misalign-clone.c",
    ),
    ("tst-getpid1", "sysdeps/unix/sysv/linux/tst-getpid1.c"),
    ("tst-close_range", "io/tst-close_range.c"),
];

/// aarch64's SME test, where the glibc version has it (2.41 and later; not 2.36).
const SME_TEST: (&str, &str) = (
    "tst-sme-clone",
    "sysdeps/unix/sysv/linux/aarch64/tst-sme-clone.c",
);

/// The members of glibc's `support/` library that these tests use (measured: the
/// archive members a full libsupport gave their links).
const SUPPORT: &[&str] = &[
    "check",
    "oom_error",
    "support-open-dev-null-range",
    "support_descriptors",
    "support_paths",
    "support_quote_blob",
    "support_quote_string",
    "support_record_failure",
    "support_stack_alloc",
    "support_test_compare_failure",
    "support_test_main",
    "support_test_verify_impl",
    "temp_file",
    "write_message",
    "xasprintf",
    "xclone",
    "xclose",
    "xfclose",
    "xfopen",
    "xmalloc",
    "xmemstream",
    "xmmap",
    "xmprotect",
    "xmunmap",
    "xopen",
    "xreadlink",
    "xrealloc",
    "xstrndup",
    "xwaitpid",
];

/// glibc's internal headers the tests include, from its `include/`.
const INCLUDE_HEADERS: &[&str] = &[
    "array_length.h",
    "intprops.h",
    "libc-diag.h",
    "libc-pointer-arith.h",
    "scratch_buffer.h",
    "stackinfo.h",
];

/// The per-architecture headers, from `sysdeps/<dir>/` (each level may `#include_next`).
const SYSDEPS_HEADERS: &[&str] = &["stackinfo.h", "tst-stack-align.h"];

/// support_paths.c's build-time paths, which these tests never use.
const SUPPORT_PATHS: &[&str] = &[
    "SRCDIR_PATH",
    "OBJDIR_PATH",
    "OBJDIR_ELF_LDSO_PATH",
    "INSTDIR_PATH",
    "LIBDIR_PATH",
    "BINDIR_PATH",
    "SBINDIR_PATH",
    "SLIBDIR_PATH",
    "COMPLOCALEDIR_PATH",
    "ROOTSBINDIR_PATH",
];

/// Per program run, at most this long.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Combinations the fuzz compares natively, and as part of a kernel's /init (emulated:
/// fewer).
const FUZZ_NATIVE: u32 = 10_000;
const FUZZ_KERNEL: u32 = 1_000;

/// One architecture's programs, built.
pub struct Built {
    /// (test name, freeclone build, control build).
    tests: Vec<(String, PathBuf, PathBuf)>,
    smoke: PathBuf,
    fuzz: PathBuf,
    init: PathBuf,
    /// Tests the glibc version lacks (tst-sme-clone before 2.41), for the report.
    absent: Vec<String>,
}

/// What the peer tier needs once per run, whatever the architectures.
pub struct Context {
    glibc: PathBuf,
    glibc_version: String,
    toolchains: BTreeMap<String, Toolchain>,
}

/// A C compiler for one architecture.
#[derive(Clone)]
struct Toolchain {
    gcc: PathBuf,
    /// The unpacked binutils' shared libraries (libbfd-<version>-<arch>.so, ...).
    library_path: Option<PathBuf>,
    /// A toolchain from another suite (`suite` in the spec): its dynamic loader, which
    /// runs gcc on that suite's libraries (`library_path`), and the directory of the
    /// scripts that run gcc's programs (cc1, as, collect2, ld) the same way (`-B`).
    loader: Option<(PathBuf, PathBuf)>,
    /// The packages and versions it came from, for the report and the object cache.
    packages: String,
}

/// Fetches glibc's sources and the toolchains of `arches` (once per machine).
pub fn prepare(arches: &[Arch]) -> Result<Context, String> {
    let (glibc, glibc_version) = glibc_source()?;
    let specs: Vec<&PeerSpec> = arches
        .iter()
        .filter_map(|arch| arch.peer.as_ref())
        .collect();
    let toolchains = toolchains(&specs)?;
    Ok(Context {
        glibc,
        glibc_version,
        toolchains,
    })
}

fn peer_cache() -> PathBuf {
    cache_root().join("peer")
}

/// glibc's source tree (the parts the tests need), from Debian's glibc-source.
fn glibc_source() -> Result<(PathBuf, String), String> {
    if !xtask::util::command_exists("xz") {
        // tar -J runs xz.
        xtask::setup::install_debian_packages(&["xz-utils".to_string()])?;
    }
    let dir = peer_cache().join("glibc");
    let stamp = dir.join("complete");
    if let Ok(text) = std::fs::read_to_string(&stamp) {
        let mut lines = text.lines();
        if let (Some(tree), Some(version)) = (lines.next(), lines.next()) {
            return Ok((dir.join(tree), version.to_string()));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let debs = download(&["glibc-source".to_string()], &dir.join("download"))?;
    let version = deb_version(&debs[0])?;
    let unpacked = dir.join("package");
    run_status(
        Command::new("dpkg-deb")
            .arg("-x")
            .arg(&debs[0])
            .arg(&unpacked),
    )?;
    let tarball = std::fs::read_dir(unpacked.join("usr/src/glibc"))
        .map_err(|error| format!("glibc-source: {error}"))?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .find(|path| path.to_string_lossy().ends_with(".tar.xz"))
        .ok_or("glibc-source holds no usr/src/glibc/glibc-*.tar.xz")?;
    eprintln!(
        "peer: unpacking {} (support/, include/, sysdeps/, io/)",
        tarball.display()
    );
    let mut tar = Command::new("tar");
    tar.arg("-xJf")
        .arg(&tarball)
        .arg("-C")
        .arg(&dir)
        .arg("--wildcards")
        .args([
            "*/support/*",
            "*/include/*",
            "*/malloc/*",
            "*/sysdeps/*/stackinfo.h",
            "*/sysdeps/*/tst-stack-align.h",
            // linux/tst-* and, where they exist, linux/<arch>/tst-* (`*` matches `/` here)
            "*/sysdeps/unix/sysv/linux/*tst-*",
            "*/io/tst-close_range.c",
            "*/test-skeleton.c",
        ]);
    run_status(&mut tar)?;
    let tree = std::fs::read_dir(&dir)
        .map_err(|error| error.to_string())?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .find(|name| name.starts_with("glibc-"))
        .ok_or("the glibc tarball held no glibc-* directory")?;
    let _ = std::fs::remove_dir_all(&unpacked);
    let _ = std::fs::remove_dir_all(dir.join("download"));
    std::fs::write(&stamp, format!("{tree}\nglibc-source {version}\n"))
        .map_err(|error| error.to_string())?;
    Ok((dir.join(tree), format!("glibc-source {version}")))
}

/// `apt-get download` of `packages` into `dir`; the .deb files.
fn download(packages: &[String], dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|error| format!("{}: {error}", dir.display()))?;
    let list = packages.join(" ");
    eprintln!("peer: apt-get download {list}");
    let fetch = || run_status(Command::new("apt-get").current_dir(dir).args(["download", "-qq"]).args(packages));
    with_fresh_lists(fetch).map_err(|error| {
        format!("{error}\nthe peer tier needs Debian's packages {list}; run by hand (as root): apt-get update && apt-get download {list}")
    })?;
    let mut debs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|error| error.to_string())?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|extension| extension == "deb"))
        .collect();
    debs.sort();
    Ok(debs)
}

/// `work`, and once more after `apt-get update` if it failed (a fresh machine may have
/// no package lists yet).
fn with_fresh_lists<T>(work: impl Fn() -> Result<T, String>) -> Result<T, String> {
    work().or_else(|_| {
        eprintln!("peer: apt-get update (the package lists did not have what the peer tier needs)");
        if let Err(error) = run_status(Command::new("apt-get").args(["update", "-qq"])) {
            eprintln!("peer: apt-get update reported an error ({error}); trying again anyway");
        }
        work()
    })
}

fn deb_version(deb: &Path) -> Result<String, String> {
    Ok(output_of(
        Command::new("dpkg-deb")
            .arg("--field")
            .arg(deb)
            .arg("Version"),
    )?
    .trim()
    .to_string())
}

/// The cross toolchains of `specs` (the host's gcc for `host_gcc`), downloading and
/// unpacking the missing ones with one apt call.
fn toolchains(specs: &[&PeerSpec]) -> Result<BTreeMap<String, Toolchain>, String> {
    let mut found = BTreeMap::new();
    let mut missing: Vec<&PeerSpec> = Vec::new();
    for spec in specs {
        if found.contains_key(&spec.gnu_triple)
            || missing
                .iter()
                .any(|other| other.gnu_triple == spec.gnu_triple)
        {
            continue;
        }
        if spec.host_gcc {
            let gcc = PathBuf::from("gcc");
            let version =
                output_of(Command::new("gcc").arg("-dumpfullversion")).map_err(|error| {
                    format!(
                        "{error}\nthe peer tier needs the host's gcc: apt-get install gcc libc6-dev"
                    )
                })?;
            found.insert(
                spec.gnu_triple.clone(),
                Toolchain {
                    gcc,
                    library_path: None,
                    loader: None,
                    packages: format!("host gcc {}", version.trim()),
                },
            );
            continue;
        }
        match (installed_toolchain(spec), &spec.suite) {
            (Some(toolchain), _) => {
                found.insert(spec.gnu_triple.clone(), toolchain);
            }
            (None, Some(suite)) => {
                found.insert(spec.gnu_triple.clone(), suite_toolchain(spec, suite)?);
            }
            (None, None) => missing.push(spec),
        }
    }
    if missing.is_empty() {
        return Ok(found);
    }
    // gcc-<triple> depends on gcc-<major>-<triple>: one apt-cache call for all.
    let metapackages: Vec<String> = missing
        .iter()
        .map(|spec| format!("gcc-{}", spec.gnu_triple))
        .collect();
    let resolve = || {
        let depends = output_of(Command::new("apt-cache").arg("depends").args(&metapackages))?;
        match missing.iter().find(|spec| gcc_major(&depends, &spec.gnu_triple).is_none()) {
            Some(spec) => Err(format!("apt-cache depends gcc-{} names no versioned gcc: {depends:?}", spec.gnu_triple)),
            None => Ok(depends),
        }
    };
    let depends = with_fresh_lists(resolve).map_err(|error| format!("{error}\nrun by hand (as root): apt-get update"))?;
    let mut packages_of: Vec<(&PeerSpec, Vec<String>)> = Vec::new();
    for spec in &missing {
        let major = gcc_major(&depends, &spec.gnu_triple).ok_or_else(|| {
            format!("apt cannot resolve gcc-{} to a versioned gcc (apt-cache depends printed {depends:?}); run: apt-get update", spec.gnu_triple)
        })?;
        packages_of.push((spec, toolchain_packages(spec, &major)));
    }
    let all: Vec<String> = packages_of
        .iter()
        .flat_map(|(_, packages)| packages.iter().cloned())
        .collect();
    let download_dir = peer_cache().join("toolchains").join("download");
    let _ = std::fs::remove_dir_all(&download_dir);
    let debs = download(&all, &download_dir)?;
    for (spec, packages) in packages_of {
        let dir = toolchain_dir(spec);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("root"))
            .map_err(|error| format!("{}: {error}", dir.display()))?;
        let mut versions = Vec::new();
        for package in &packages {
            let deb = debs
                .iter()
                .find(|deb| {
                    deb.file_name().is_some_and(|name| {
                        name.to_string_lossy().starts_with(&format!("{package}_"))
                    })
                })
                .ok_or_else(|| format!("apt-get download left no .deb for {package}"))?;
            run_status(
                Command::new("dpkg-deb")
                    .arg("-x")
                    .arg(deb)
                    .arg(dir.join("root")),
            )?;
            versions.push(format!("{package} {}", deb_version(deb)?));
        }
        let major = packages[0]
            .trim_start_matches("gcc-")
            .split('-')
            .next()
            .unwrap_or_default()
            .to_string();
        std::fs::write(
            dir.join("complete"),
            format!("{major}\n{}\n", versions.join(", ")),
        )
        .map_err(|error| error.to_string())?;
        let toolchain = installed_toolchain(spec)
            .ok_or_else(|| format!("the unpacked toolchain in {} has no gcc", dir.display()))?;
        found.insert(spec.gnu_triple.clone(), toolchain);
    }
    let _ = std::fs::remove_dir_all(&download_dir);
    Ok(found)
}

/// A cross toolchain's packages: gcc `major`, binutils, libgcc and the C library.
fn toolchain_packages(spec: &PeerSpec, major: &str) -> Vec<String> {
    let (triple, arch) = (&spec.gnu_triple, &spec.debian_arch);
    vec![
        format!("gcc-{major}-{triple}"),
        format!("cpp-{major}-{triple}"),
        format!("binutils-{triple}"),
        format!("libgcc-{major}-dev-{arch}-cross"),
        format!("libc6-dev-{arch}-cross"),
        format!("linux-libc-dev-{arch}-cross"),
    ]
}

/// What a newer suite's cross gcc, cc1 and binutils run on besides the host's kernel:
/// the Depends of trixie's gcc-14-loongarch64-linux-gnu, cpp-14-loongarch64-linux-gnu
/// and binutils-loongarch64-linux-gnu 2.44 (libc6 >= 2.38, where bookworm has 2.36),
/// from the same suite.
const SUITE_RUNTIME: &[&str] = &[
    "libc6",
    "libstdc++6",
    "libgcc-s1",
    "libgmp10",
    "libisl23",
    "libmpc3",
    "libmpfr6",
    "libzstd1",
    "zlib1g",
    "libjansson4",
    "libsframe1",
];

/// Downloads and unpacks `spec`'s toolchain from `suite` (its amd64 packages, through
/// a private apt configuration) with the libraries it runs on, and writes the scripts
/// that run its programs under that suite's dynamic loader.
fn suite_toolchain(spec: &PeerSpec, suite: &str) -> Result<Toolchain, String> {
    let triple = &spec.gnu_triple;
    let mut apt = xtask::debian::Apt::for_suite(suite, "amd64");
    let versioned = apt.dependency(&format!("gcc-{triple}"), "gcc-")?;
    let major = versioned
        .strip_prefix("gcc-")
        .and_then(|rest| rest.strip_suffix(format!("-{triple}").as_str()))
        .filter(|major| !major.is_empty() && major.bytes().all(|byte| byte.is_ascii_digit()))
        .ok_or_else(|| format!("{suite}'s gcc-{triple} depends on {versioned}, not gcc-<major>-{triple}"))?
        .to_string();
    let mut packages = toolchain_packages(spec, &major);
    packages.extend(SUITE_RUNTIME.iter().map(|name| name.to_string()));
    let dir = toolchain_dir(spec);
    let _ = std::fs::remove_dir_all(&dir);
    let download_dir = dir.join("download");
    let debs = apt.download(&packages, &download_dir)?;
    let root = dir.join("root");
    let mut versions = Vec::new();
    for package in &packages {
        let deb = debs
            .iter()
            .find(|deb| {
                deb.file_name()
                    .is_some_and(|name| name.to_string_lossy().starts_with(&format!("{package}_")))
            })
            .ok_or_else(|| format!("apt-get download left no .deb for {package} ({suite})"))?;
        run_status(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&root))?;
        versions.push(format!("{package} {}", deb_version(deb)?));
    }
    let _ = std::fs::remove_dir_all(&download_dir);
    let libraries = root.join("usr/lib/x86_64-linux-gnu");
    let loader = libraries.join("ld-linux-x86-64.so.2");
    let wrappers = dir.join("wrap");
    std::fs::create_dir_all(&wrappers).map_err(|error| error.to_string())?;
    let libexec = root.join("usr/libexec/gcc-cross").join(triple).join(&major);
    let bin = root.join("usr").join(triple).join("bin");
    for (name, real) in [
        ("cc1", libexec.join("cc1")),
        ("collect2", libexec.join("collect2")),
        ("lto-wrapper", libexec.join("lto-wrapper")),
        ("as", bin.join("as")),
        ("ld", bin.join("ld")),
    ] {
        let quote = |path: &Path| format!("'{}'", path.display().to_string().replace('\'', "'\\''"));
        let script = format!(
            "#!/bin/sh\n# {suite}'s {name}, on {suite}'s C library (written by cargo xtask)\nexec {} --library-path {} {} \"$@\"\n",
            quote(&loader),
            quote(&libraries),
            quote(&real)
        );
        let path = wrappers.join(name);
        std::fs::write(&path, script).map_err(|error| format!("{}: {error}", path.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|error| format!("{}: {error}", path.display()))?;
    }
    std::fs::write(
        dir.join("complete"),
        format!("{major}\n{suite}: {}\n", versions[..6].join(", ")),
    )
    .map_err(|error| error.to_string())?;
    installed_toolchain(spec)
        .ok_or_else(|| format!("the unpacked toolchain in {} has no gcc", dir.display()))
}

fn toolchain_dir(spec: &PeerSpec) -> PathBuf {
    peer_cache().join("toolchains").join(&spec.gnu_triple)
}

/// An unpacked toolchain from an earlier run.
fn installed_toolchain(spec: &PeerSpec) -> Option<Toolchain> {
    let dir = toolchain_dir(spec);
    let text = std::fs::read_to_string(dir.join("complete")).ok()?;
    let mut lines = text.lines();
    let major = lines.next()?;
    let packages = lines.next()?.to_string();
    let gcc = dir
        .join("root/usr/bin")
        .join(format!("{}-gcc-{major}", spec.gnu_triple));
    let libraries = dir.join("root/usr/lib/x86_64-linux-gnu");
    let loader = libraries.join("ld-linux-x86-64.so.2");
    let loader = (spec.suite.is_some() && loader.is_file()).then(|| (loader, dir.join("wrap")));
    if spec.suite.is_some() && loader.is_none() {
        return None;
    }
    gcc.is_file().then(|| Toolchain {
        gcc,
        library_path: Some(libraries),
        loader,
        packages,
    })
}

/// The gcc major version in `apt-cache depends gcc-<triple>`'s output.
fn gcc_major(depends: &str, triple: &str) -> Option<String> {
    let suffix = format!("-{triple}");
    depends
        .lines()
        .filter_map(|line| line.trim().strip_prefix("Depends: "))
        .find_map(|name| {
            let name = name.split(':').next()?;
            let major = name.strip_prefix("gcc-")?.strip_suffix(suffix.as_str())?;
            major
                .bytes()
                .all(|byte| byte.is_ascii_digit())
                .then(|| major.to_string())
        })
}

impl Toolchain {
    fn gcc(&self, spec: &PeerSpec) -> Command {
        let mut command = self.program(&self.gcc);
        if let Some((_, wrappers)) = &self.loader {
            command.arg(format!("-B{}/", wrappers.display()));
        }
        command.args(&spec.cflags);
        command
    }

    /// binutils' `<triple>-<name>` (ar), next to gcc.
    fn binutil(&self, spec: &PeerSpec, name: &str) -> Command {
        if spec.host_gcc {
            return Command::new(name);
        }
        self.program(&self.gcc.with_file_name(format!("{}-{name}", spec.gnu_triple)))
    }

    /// A command that runs `program` of this toolchain: on its suite's dynamic loader
    /// and libraries, or with the unpacked binutils' libraries in LD_LIBRARY_PATH.
    fn program(&self, program: &Path) -> Command {
        match (&self.loader, &self.library_path) {
            (Some((loader, _)), Some(libraries)) => {
                let mut command = Command::new(loader);
                command.arg("--library-path").arg(libraries).arg(program);
                command
            }
            (_, library_path) => {
                let mut command = Command::new(program);
                if let Some(path) = library_path {
                    command.env("LD_LIBRARY_PATH", path);
                }
                command
            }
        }
    }
}

/// Builds `arch`'s programs: the C ABI library (Rust), glibc's support library and
/// tests (cached objects), each test linked twice, the smoke test, the fuzz and the
/// kernel tier's init.
pub fn build(root: &Path, arch: &Arch, context: &Context) -> Result<Built, String> {
    let spec = arch
        .peer
        .as_ref()
        .ok_or_else(|| format!("{} has no [peer] spec", arch.name))?;
    let toolchain = context
        .toolchains
        .get(&spec.gnu_triple)
        .ok_or("no toolchain")?;
    let capi = if spec.capi_rustflags.is_empty() {
        build::freestanding(root, arch, Program::CApi)?
    } else {
        let mut arch = arch.clone();
        arch.rustflags.extend(spec.capi_rustflags.iter().cloned());
        build::freestanding_into(root, &root.join("target").join("capi"), &arch, Program::CApi)?
    };
    let dir = root.join("target").join("peer").join(&arch.name);
    let glue = dir.join("glue");
    let objects = dir.join("obj");
    let bin = dir.join("bin");
    let glibc = &context.glibc;
    let mut tests: Vec<(&str, &str)> = TESTS.to_vec();
    let mut absent = Vec::new();
    if arch.elf.machine == 183 {
        if glibc.join(SME_TEST.1).is_file() {
            tests.push(SME_TEST);
        } else {
            absent.push(format!("{} (not in {})", SME_TEST.0, context.glibc_version));
        }
    }
    let force = root.join("tests/peer/force.h");
    let stamp_text = format!(
        "{}\n{}\n{:?}\n{:?}\n{}\n",
        context.glibc_version,
        toolchain.packages,
        spec,
        tests,
        std::fs::read_to_string(&force).map_err(|error| error.to_string())?
    );
    let stamp = objects.join("stamp");
    let include_flags = |glue: &Path| -> Vec<String> {
        let mut flags = vec![
            "-include".to_string(),
            force.display().to_string(),
            format!("-I{}", glue.join("inc").display()),
        ];
        for level in 0..=spec.glibc_sysdeps.len() {
            flags.push(format!(
                "-I{}",
                glue.join(format!("sysdeps{level}")).display()
            ));
        }
        flags.push(format!("-I{}", glibc.join("support").display()));
        flags
    };
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(stamp_text.as_str()) {
        println!(
            "peer: compiling glibc's support/ and tests for {} with {}",
            arch.name, toolchain.packages
        );
        let _ = std::fs::remove_dir_all(&dir);
        write_glue(glibc, spec, &glue)?;
        std::fs::create_dir_all(objects.join("support")).map_err(|error| error.to_string())?;
        let mut members = Vec::new();
        for name in SUPPORT {
            let object = objects.join("support").join(format!("{name}.o"));
            let mut gcc = toolchain.gcc(spec);
            gcc.args(["-c", "-O2", "-w"]).args(include_flags(&glue));
            for path in SUPPORT_PATHS {
                gcc.arg(format!("-D{path}=\"/\""));
            }
            gcc.arg(glibc.join("support").join(format!("{name}.c")))
                .arg("-o")
                .arg(&object);
            run_status(&mut gcc).map_err(|error| {
                format!(
                    "compiling glibc's support/{name}.c for {}: {error}",
                    arch.name
                )
            })?;
            members.push(object);
        }
        let archive = objects.join("libsupport.a");
        let mut command = toolchain.binutil(spec, "ar");
        run_status(command.arg("rcs").arg(&archive).args(&members))?;
        for (name, source) in &tests {
            let mut gcc = toolchain.gcc(spec);
            gcc.args(["-c", "-O2", "-w"])
                .args(include_flags(&glue))
                .arg(glibc.join(source))
                .arg("-o")
                .arg(objects.join(format!("{name}.o")));
            run_status(&mut gcc).map_err(|error| {
                format!("compiling glibc's {source} for {}: {error}", arch.name)
            })?;
        }
        std::fs::write(&stamp, &stamp_text).map_err(|error| error.to_string())?;
    }
    // What C programs link: the archive as `cargo xtask capi` packs it, checked to
    // define the C ABI's symbols and nothing else.
    let packed = dir.join(capi::PACKED_NAME);
    capi::pack(&capi, &packed, |tool| toolchain.binutil(spec, tool))
        .and_then(|()| capi::check(&packed))
        .map_err(|error| format!("packing the C ABI's archive for {}: {error}", arch.name))?;
    let capi = packed;
    std::fs::create_dir_all(&bin).map_err(|error| error.to_string())?;
    let link = |inputs: &[PathBuf], output: &Path, with_capi: bool| -> Result<(), String> {
        let mut gcc = toolchain.gcc(spec);
        gcc.args(["-static", "-O2", "-w"]).args(inputs);
        if with_capi {
            gcc.arg(&capi);
        }
        gcc.arg("-o").arg(output);
        // gcc warns that a static program calling getpwnam & co needs the shared
        // libraries at run time: the tests do not call them.
        gcc.stderr(std::process::Stdio::null());
        run_status(&mut gcc)
            .map_err(|error| format!("linking {} for {}: {error}", output.display(), arch.name))
    };
    let support = objects.join("libsupport.a");
    let mut built = Vec::new();
    for (name, _) in &tests {
        let object = objects.join(format!("{name}.o"));
        let freeclone = bin.join(format!("{name}.freeclone"));
        let control = bin.join(format!("{name}.glibc"));
        link(&[object.clone(), support.clone()], &freeclone, true)?;
        link(&[object, support.clone()], &control, false)?;
        built.push((name.to_string(), freeclone, control));
    }
    let capi_include = format!("-I{}", root.join("capi/include").display());
    let compile_and_link = |source: &Path, output: &Path, with_capi: bool| -> Result<(), String> {
        let mut gcc = toolchain.gcc(spec);
        gcc.args(["-static", "-O2", "-w", &capi_include])
            .arg(source);
        if with_capi {
            gcc.arg(&capi);
        }
        gcc.arg("-o")
            .arg(output)
            .stderr(std::process::Stdio::null());
        run_status(&mut gcc)
            .map_err(|error| format!("building {} for {}: {error}", output.display(), arch.name))
    };
    let smoke = bin.join("capi-smoke");
    compile_and_link(&root.join("capi/tests/smoke.c"), &smoke, true)?;
    let fuzz = bin.join("fuzz");
    compile_and_link(&root.join("tests/peer/fuzz.c"), &fuzz, true)?;
    let init = bin.join("init");
    compile_and_link(&root.join("tests/peer/init.c"), &init, false)?;
    Ok(Built {
        tests: built,
        smoke,
        fuzz,
        init,
        absent,
    })
}

/// The include directories outside glibc's build: `inc/` (glibc's internal headers,
/// `support` and `malloc` linked in, so that `<support/...>` and
/// `<malloc/dynarray-skeleton.c>` resolve), `sysdeps<N>/` (one per sysdeps level, in
/// `#include_next` order), and `test-skeleton.c` next to `inc/`, where the legacy
/// tests' `#include "../test-skeleton.c"` finds it.
fn write_glue(glibc: &Path, spec: &PeerSpec, glue: &Path) -> Result<(), String> {
    let io = |error: std::io::Error| error.to_string();
    let inc = glue.join("inc");
    std::fs::create_dir_all(&inc).map_err(io)?;
    for header in INCLUDE_HEADERS {
        std::fs::copy(glibc.join("include").join(header), inc.join(header))
            .map_err(|error| format!("{header}: {error}"))?;
    }
    std::os::unix::fs::symlink(glibc.join("support"), inc.join("support")).map_err(io)?;
    std::os::unix::fs::symlink(glibc.join("malloc"), inc.join("malloc")).map_err(io)?;
    std::fs::copy(glibc.join("test-skeleton.c"), glue.join("test-skeleton.c")).map_err(io)?;
    let levels = spec
        .glibc_sysdeps
        .iter()
        .map(String::as_str)
        .chain(["generic"]);
    for (level, dir) in levels.enumerate() {
        let target = glue.join(format!("sysdeps{level}"));
        std::fs::create_dir_all(&target).map_err(io)?;
        for header in SYSDEPS_HEADERS {
            let source = glibc.join("sysdeps").join(dir).join(header);
            if source.is_file() {
                std::fs::copy(&source, target.join(header)).map_err(io)?;
            }
        }
    }
    Ok(())
}

/// How one program run ended.
struct Outcome {
    output: String,
    /// Exit code; None for a signal or a timeout.
    code: Option<i32>,
    description: String,
}

/// Runs `binary` (with `args`) on the direct machine `tier` (user or native).
/// `trace` turns the C ABI's trace on (the fuzz counts calls itself instead).
fn run_direct(
    arch: &Arch,
    tier: Machine,
    binary: &Path,
    args: &[String],
    trace: bool,
) -> Option<Outcome> {
    let mut command = arch.direct_command(tier, binary)?;
    command
        .args(args)
        .env_remove("TIMEOUTFACTOR")
        .env_remove("FREECLONE_CAPI_TRACE");
    if trace {
        command.env("FREECLONE_CAPI_TRACE", "1");
    }
    only_standard_descriptors(&mut command);
    Some(match run_with_timeout(&mut command, TIMEOUT) {
        Ok(finished) => Outcome {
            description: if finished.timed_out {
                format!("timed out after {} s", TIMEOUT.as_secs())
            } else {
                format!("exit code {:?}", finished.code)
            },
            output: finished.output,
            code: finished.code,
        },
        Err(error) => Outcome {
            output: String::new(),
            code: None,
            description: error,
        },
    })
}

/// Makes the program start with descriptors 0-2 only: whatever else the xtask
/// inherited (from a shell, a CI runner) would be the program's too, and
/// tst-close_range compares its descriptor set with what it opened itself.
fn only_standard_descriptors(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    unsafe extern "C" {
        // glibc 2.34 and later (Rust's std links the C library anyway).
        fn close_range(first: u32, last: u32, flags: i32) -> i32;
    }
    const CLOSE_RANGE_CLOEXEC: i32 = 4;
    // SAFETY: close_range is async-signal-safe; marking descriptors close-on-exec
    // leaves the ones std uses until the exec alone.
    unsafe {
        command.pre_exec(|| {
            close_range(3, u32::MAX, CLOSE_RANGE_CLOEXEC);
            Ok(())
        });
    }
}

/// Everything the peer tier runs for one architecture, on every machine among
/// `machines` that runs it; one result row per machine.
pub fn run(
    root: &Path,
    arch: &Arch,
    built: &Built,
    machines: &[Machine],
    apt: &mut xtask::debian::Apt,
) -> Vec<RunResult> {
    let mut results = Vec::new();
    let symbols = match symbol_proofs(built) {
        Ok(()) => None,
        Err(error) => Some(error),
    };
    for absent in &built.absent {
        println!("  note {}: {absent}", arch.name);
    }
    for &machine in machines {
        let tier = Row::Peer(machine);
        let start = Instant::now();
        let mut result = RunResult::new(&arch.name, tier);
        let outcomes: BTreeMap<String, Outcome> = match machine {
            Machine::Kernel => {
                let Some(spec) = &arch.kernel else { continue };
                match run_kernel(root, arch, spec, built, apt) {
                    Ok(outcomes) => outcomes,
                    Err(error) => {
                        result.error = Some(error);
                        result.seconds = start.elapsed().as_secs_f64();
                        results.push(result);
                        continue;
                    }
                }
            }
            _ => {
                if arch.direct_command(machine, &built.smoke).is_none() {
                    continue;
                }
                let mut outcomes = BTreeMap::new();
                for (name, freeclone, control) in &built.tests {
                    outcomes.extend(
                        run_direct(arch, machine, freeclone, &[], true)
                            .map(|outcome| (format!("{name}.freeclone"), outcome)),
                    );
                    outcomes.extend(
                        run_direct(arch, machine, control, &[], true)
                            .map(|outcome| (format!("{name}.glibc"), outcome)),
                    );
                }
                outcomes.extend(
                    run_direct(arch, machine, &built.smoke, &[], true)
                        .map(|outcome| ("capi-smoke".to_string(), outcome)),
                );
                if machine == Machine::Native {
                    let args = [FUZZ_NATIVE.to_string(), fuzz_seed().to_string()];
                    outcomes.extend(
                        run_direct(arch, machine, &built.fuzz, &args, false)
                            .map(|outcome| ("fuzz".to_string(), outcome)),
                    );
                }
                outcomes
            }
        };
        result.ran = true;
        if let Some(error) = &symbols {
            record(&mut result, "symbols", Verdict::Fail(error.clone()));
        }
        for (name, _, _) in &built.tests {
            let verdict = match (
                outcomes.get(&format!("{name}.freeclone")),
                outcomes.get(&format!("{name}.glibc")),
            ) {
                (Some(mine), Some(control)) => judge(arch, machine, mine, control),
                _ => Verdict::Fail("did not run".into()),
            };
            record(&mut result, name, verdict);
        }
        match outcomes.get("capi-smoke") {
            Some(outcome) => judge_smoke(&mut result, outcome),
            None => record(
                &mut result,
                "capi-smoke",
                Verdict::Fail("did not run".into()),
            ),
        }
        if let Some(outcome) = outcomes.get("fuzz") {
            record(&mut result, "fuzz", judge_fuzz(outcome));
        } else if machine != Machine::User {
            record(&mut result, "fuzz", Verdict::Fail("did not run".into()));
        }
        result.seconds = start.elapsed().as_secs_f64();
        println!(
            "  {} {tier}: {} passed, {} failed, {} skipped ({:.1} s)",
            arch.name, result.passed, result.failed, result.skipped, result.seconds
        );
        results.push(result);
    }
    results
}

/// The fuzz's seed: `FREECLONE_FUZZ_SEED`, else the clock (printed, so that any
/// difference can be replayed).
fn fuzz_seed() -> u64 {
    std::env::var("FREECLONE_FUZZ_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|since| since.as_secs())
                .unwrap_or(1)
        })
}

enum Verdict {
    Pass(String),
    /// Failed exactly as the control, for a proven emulator limit.
    AsControl(String),
    Fail(String),
}

fn record(result: &mut RunResult, name: &str, verdict: Verdict) {
    let (line, outcome) = match verdict {
        Verdict::Pass(note) => {
            result.passed += 1;
            (
                format!(
                    "ok {name}{}",
                    if note.is_empty() {
                        String::new()
                    } else {
                        format!(": {note}")
                    }
                ),
                "ok",
            )
        }
        Verdict::AsControl(why) => {
            result.skipped += 1;
            (format!("skip {name}: {why}"), "skip")
        }
        Verdict::Fail(why) => {
            result.failed += 1;
            let line = format!("FAIL {name}: {why}");
            result.fail_lines.push(line.clone());
            (line, "FAIL")
        }
    };
    println!("  {line}");
    result.cases.push((name.to_string(), outcome));
}

/// The trace lines of freeclone's C ABI in a program's output: (function, flags, result).
fn trace_lines(output: &str) -> Vec<(String, u64, i64)> {
    output
        .lines()
        .filter_map(|line| {
            let rest = &line[line.find("freeclone-capi: ")? + "freeclone-capi: ".len()..];
            let (name, rest) = rest.split_once(" flags=0x")?;
            let (flags, result) = rest.split_once(" -> ")?;
            Some((
                name.to_string(),
                u64::from_str_radix(flags, 16).ok()?,
                result.trim().parse().ok()?,
            ))
        })
        .collect()
}

/// The output without the trace lines, every number masked (PIDs, addresses).
fn masked(output: &str) -> String {
    let mut text = String::new();
    for line in output
        .lines()
        .filter(|line| !line.contains("freeclone-capi: "))
    {
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '0' && chars.peek() == Some(&'x') {
                chars.next();
                while chars.next_if(|c| c.is_ascii_hexdigit()).is_some() {}
                text.push_str("0x#");
            } else if c.is_ascii_digit() {
                while chars.next_if(|c| c.is_ascii_digit()).is_some() {}
                text.push('#');
            } else {
                text.push(c);
            }
        }
        text.push('\n');
    }
    text
}

/// Whether qemu-user's own clone answers EINVAL to `flags` (QEMU 10.0, linux-user's
/// do_fork, measured: docs/tiers.md, "What qemu-user's clone accepts"): it accepts a
/// fork (no `CLONE_VM`, or `CLONE_VM|CLONE_VFORK`, which it turns into a fork) whose
/// exit signal is exactly the target's SIGCHLD, with only the TID and TLS flags
/// besides; and a thread, with all of VM, FS, FILES, SIGHAND, THREAD and SYSVSEM and
/// only the TID and TLS flags and `CLONE_PARENT` besides. Anything else is EINVAL.
pub fn qemu_user_refuses(flags: u64, sigchld: u64) -> bool {
    const CSIGNAL: u64 = 0xff;
    const VM: u64 = 0x100;
    const VFORK: u64 = 0x4000;
    const PARENT: u64 = 0x8000;
    const DETACHED: u64 = 0x40_0000;
    const THREAD_SET: u64 = 0x100 | 0x200 | 0x400 | 0x800 | 0x1_0000 | 0x4_0000;
    const TID_TLS: u64 = 0x8_0000 | 0x10_0000 | 0x20_0000 | 0x100_0000;
    if flags & VM != 0 && flags & VFORK == 0 {
        flags & THREAD_SET != THREAD_SET
            || flags & !(THREAD_SET | TID_TLS | PARENT | CSIGNAL | DETACHED) != 0
    } else {
        let fork = flags & !(VM | VFORK);
        fork & CSIGNAL != sigchld || fork & !(CSIGNAL | TID_TLS) != 0
    }
}

/// EINVAL and SIGCHLD on `arch` (mips numbers SIGCHLD 18).
fn einval_and_sigchld(arch: &Arch) -> (i64, u64) {
    if arch.elf.machine == 8 {
        (22, 18)
    } else {
        (22, 17)
    }
}

fn judge(arch: &Arch, machine: Machine, mine: &Outcome, control: &Outcome) -> Verdict {
    let traces = trace_lines(&mine.output);
    if traces.is_empty() {
        return Verdict::Fail(format!(
            "the freeclone build printed no freeclone-capi trace line ({}): {}",
            mine.description,
            last_lines(&mine.output)
        ));
    }
    if !trace_lines(&control.output).is_empty() {
        return Verdict::Fail(
            "the control printed freeclone-capi trace lines: it is not glibc's clone".into(),
        );
    }
    let calls = traces.len();
    if mine.code == Some(0) {
        if control.code != Some(0) && machine != Machine::User {
            return Verdict::Fail(format!(
                "freeclone passes but the control fails ({}): {}",
                control.description,
                last_lines(&control.output)
            ));
        }
        let control_note = if control.code == Some(0) {
            "the control passes too"
        } else {
            "the control fails under qemu-user"
        };
        return Verdict::Pass(format!(
            "{calls} call(s) through freeclone traced; {control_note}"
        ));
    }
    if machine != Machine::User {
        return Verdict::Fail(format!(
            "{}: {}",
            mine.description,
            last_lines(&mine.output)
        ));
    }
    if mine.code != control.code || masked(&mine.output) != masked(&control.output) {
        return Verdict::Fail(format!(
            "fails ({}) and not as the control ({}): {} | control: {}",
            mine.description,
            control.description,
            last_lines(&mine.output),
            last_lines(&control.output)
        ));
    }
    let (einval, sigchld) = einval_and_sigchld(arch);
    let failed: Vec<&(String, u64, i64)> =
        traces.iter().filter(|(_, _, result)| *result < 0).collect();
    let proven = !failed.is_empty()
        && failed
            .iter()
            .all(|(_, flags, result)| *result == -einval && qemu_user_refuses(*flags, sigchld));
    if !proven {
        return Verdict::Fail(format!(
            "fails as the control does ({}), but not for a clone that qemu-user refuses: {traces:?}",
            mine.description
        ));
    }
    let flags: Vec<String> = failed
        .iter()
        .map(|(name, flags, _)| format!("{name} {flags:#x}"))
        .collect();
    Verdict::AsControl(format!(
        "fails exactly as the control ({}, same output): qemu-user's clone answers EINVAL to {}, flags it refuses",
        mine.description,
        flags.join(", ")
    ))
}

fn judge_smoke(result: &mut RunResult, outcome: &Outcome) {
    let mut closing = false;
    let mut cases = 0;
    for line in outcome.output.lines() {
        match conformance::parse_line(line) {
            Line::Case { outcome: "ok", text, .. } => {
                cases += 1;
                record(
                    result,
                    &format!("capi-smoke/{text}"),
                    Verdict::Pass(String::new()),
                );
            }
            Line::Case { outcome: "FAIL", text, .. } => {
                cases += 1;
                let (name, why) = text.split_once(": ").unwrap_or((text, ""));
                record(
                    result,
                    &format!("capi-smoke/{name}"),
                    Verdict::Fail(why.into()),
                );
            }
            _ if conformance::ends_with_closing_line(line) => closing = true,
            _ => {}
        }
    }
    if !closing
        || cases == 0
        || (outcome.code != Some(0)
            && !outcome
                .output
                .lines()
                .any(|line| matches!(conformance::parse_line(line), Line::Case { outcome: "FAIL", .. })))
    {
        record(
            result,
            "capi-smoke",
            Verdict::Fail(format!(
                "did not finish ({}): {}",
                outcome.description,
                last_lines(&outcome.output)
            )),
        );
    }
}

fn judge_fuzz(outcome: &Outcome) -> Verdict {
    for line in outcome.output.lines().filter(|line| {
        line.starts_with("fuzz-difference") || line.starts_with("fuzz: freeclone_capi_calls")
    }) {
        println!("  {line}");
    }
    match outcome
        .output
        .lines()
        .find(|line| line.starts_with("fuzz: ") && line.contains(" combinations compared"))
    {
        Some(summary) if outcome.code == Some(0) => {
            Verdict::Pass(summary.trim_start_matches("fuzz: ").to_string())
        }
        Some(summary) => Verdict::Fail(summary.trim_start_matches("fuzz: ").to_string()),
        None => Verdict::Fail(format!(
            "no summary ({}): {}",
            outcome.description,
            last_lines(&outcome.output)
        )),
    }
}

fn last_lines(output: &str) -> String {
    let lines: Vec<&str> = output
        .lines()
        .filter(|line| !line.contains("freeclone-capi: "))
        .collect();
    lines[lines.len().saturating_sub(3)..].join(" / ")
}

/// The symbol proof: every freeclone build defines `freeclone_capi_calls` and a
/// `clone` that is not glibc's (`__clone`, where libc.a's clone.o was linked, is
/// elsewhere); every control defines no freeclone symbol and its `clone` is `__clone`.
fn symbol_proofs(built: &Built) -> Result<(), String> {
    let symbols = |path: &Path| -> Result<BTreeMap<String, u64>, String> {
        let data = std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let file =
            object::File::parse(&*data).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(file
            .symbols()
            .filter(|symbol| symbol.is_definition())
            .filter_map(|symbol| Some((symbol.name().ok()?.to_string(), symbol.address())))
            .collect())
    };
    for (name, freeclone, control) in &built.tests {
        let mine = symbols(freeclone)?;
        if !mine.contains_key("freeclone_capi_calls") {
            return Err(format!(
                "{name}'s freeclone build has no freeclone_capi_calls symbol"
            ));
        }
        match (mine.get("clone"), mine.get("__clone")) {
            (None, _) => return Err(format!("{name}'s freeclone build defines no clone")),
            (Some(clone), Some(glibc)) if clone == glibc => {
                return Err(format!(
                    "{name}'s freeclone build's clone is glibc's __clone"
                ));
            }
            _ => {}
        }
        let theirs = symbols(control)?;
        if theirs.keys().any(|symbol| symbol.starts_with("freeclone")) {
            return Err(format!("{name}'s control holds freeclone symbols"));
        }
        if theirs.get("clone").is_none() || theirs.get("clone") != theirs.get("__clone") {
            return Err(format!("{name}'s control's clone is not glibc's __clone"));
        }
    }
    Ok(())
}

/// Boots `arch`'s kernel with the peer init and every program in /peer, and splits the
/// console into the programs' outcomes.
fn run_kernel(
    root: &Path,
    arch: &Arch,
    spec: &kernel::KernelSpec,
    built: &Built,
    apt: &mut xtask::debian::Apt,
) -> Result<BTreeMap<String, Outcome>, String> {
    let dir = root.join("target").join("kernel").join(&arch.name);
    std::fs::create_dir_all(&dir).map_err(|error| error.to_string())?;
    let initramfs = dir.join("peer.cpio");
    let mut programs: Vec<(String, PathBuf, Option<String>)> = Vec::new();
    for (name, freeclone, control) in &built.tests {
        programs.push((format!("{name}.freeclone"), freeclone.clone(), None));
        programs.push((format!("{name}.glibc"), control.clone(), None));
    }
    programs.push(("capi-smoke".into(), built.smoke.clone(), None));
    programs.push((
        "fuzz".into(),
        built.fuzz.clone(),
        Some(format!("{FUZZ_KERNEL}\n{}\n", fuzz_seed())),
    ));
    write_initramfs(&built.init, &programs, &initramfs)?;
    let image = kernel::ensure_kernel(spec, apt)?;
    let command_line = kernel::command_line(spec, &[])?;
    let boot = kernel::boot_command(spec, &image, &initramfs, &command_line)?;
    println!(
        "run: {} peer programs as /init's children under its kernel",
        arch.name
    );
    let (finished, ending) = boot.run(Duration::from_secs(600))?;
    let mut console = Console::default();
    let mut text = String::new();
    for line in finished.output.lines() {
        text.push_str(&console.program_text(line));
    }
    if !text.lines().any(|line| line.ends_with("peer-done")) || !ending.powered_off() {
        let recent: Vec<&str> = console.recent_lines().collect();
        return Err(format!(
            "the init did not finish and power off (timed out: {}; {}): {}",
            finished.timed_out,
            ending.describe(),
            recent.join(" / ")
        ));
    }
    Ok(console_outcomes(&text))
}

/// The programs' outcomes in init's console text. A marker may follow the debris of a
/// kernel message on its line: hvc0 (powerpc64le) hands the console over in small
/// chunks, so a late boot message can stop between a timestamp's digits, before init's
/// first line (measured: capi-smoke's output lost once, wait status 0).
fn console_outcomes(text: &str) -> BTreeMap<String, Outcome> {
    let marker = |line: &str, marker: &str| -> Option<String> {
        line.find(marker).map(|start| line[start + marker.len()..].to_string())
    };
    let mut outcomes = BTreeMap::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        if let Some(name) = marker(line, "peer-run ") {
            current = Some((name, String::new()));
        } else if let Some(rest) = marker(line, "peer-exit ") {
            let (name, status) = rest.split_once(' ').unwrap_or((&rest, "0x7f00"));
            let status = u32::from_str_radix(status.trim_start_matches("0x"), 16).unwrap_or(0x7f00);
            let output = current.take().map(|(_, output)| output).unwrap_or_default();
            let code = (status & 0x7f == 0).then_some((status >> 8) as i32);
            outcomes.insert(
                name.to_string(),
                Outcome {
                    output,
                    code,
                    description: format!("wait status {status:#x}"),
                },
            );
        } else if let Some((_, output)) = &mut current {
            output.push_str(line);
            output.push('\n');
        }
    }
    outcomes
}

/// A newc initramfs: /dev/console, the peer init as /init, the programs in /peer (with
/// their `.args` files).
fn write_initramfs(
    init: &Path,
    programs: &[(String, PathBuf, Option<String>)],
    output: &Path,
) -> Result<(), String> {
    use cpio::newc::Builder;
    use std::io::Cursor;
    let read =
        |path: &Path| std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()));
    let mut entries = vec![
        (
            Builder::new("dev").mode(0o040755).nlink(2),
            Cursor::new(Vec::new()),
        ),
        (
            Builder::new("dev/console")
                .mode(0o020600)
                .rdev_major(5)
                .rdev_minor(1),
            Cursor::new(Vec::new()),
        ),
        (
            Builder::new("init").mode(0o100755),
            Cursor::new(read(init)?),
        ),
        (
            Builder::new("peer").mode(0o040755).nlink(2),
            Cursor::new(Vec::new()),
        ),
    ];
    for (name, path, args) in programs {
        entries.push((
            Builder::new(&format!("peer/{name}")).mode(0o100755),
            Cursor::new(read(path)?),
        ));
        if let Some(args) = args {
            entries.push((
                Builder::new(&format!("peer/{name}.args")).mode(0o100644),
                Cursor::new(args.clone().into_bytes()),
            ));
        }
    }
    let file =
        std::fs::File::create(output).map_err(|error| format!("{}: {error}", output.display()))?;
    cpio::write_cpio(entries.into_iter(), file)
        .map_err(|error| format!("writing {}: {error}", output.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_user_accepts_only_forks_with_sigchld_and_whole_threads() {
        assert!(!qemu_user_refuses(17, 17));
        assert!(qemu_user_refuses(0, 17)); // tst-clone2, tst-getpid1, tst-align-clone
        assert!(qemu_user_refuses(18, 17));
        assert!(!qemu_user_refuses(18, 18)); // mips
        assert!(qemu_user_refuses(0x10000 | 0x100 | 0x800 | 0x200000, 17)); // tst-clone3
        assert!(!qemu_user_refuses(0x3d0f00, 17)); // pthread_create's flags
        assert!(qemu_user_refuses(0x400 | 17, 17)); // CLONE_FILES (tst-close_range)
        assert!(!qemu_user_refuses(0x4100 | 17, 17)); // VM|VFORK: a fork
    }

    #[test]
    fn trace_lines_and_masked_output() {
        let output =
            "in f\nfreeclone-capi: clone flags=0x11 -> -22\nclone failed: Invalid argument\n";
        assert_eq!(trace_lines(output), vec![("clone".to_string(), 0x11, -22)]);
        assert_eq!(
            masked("pid = 1234 at 0x7ffd3a\nfreeclone-capi: x\n"),
            "pid = # at 0x#\n"
        );
    }

    #[test]
    fn console_markers_survive_kernel_debris_before_them() {
        let text = "[    1.32peer-run capi-smoke\n9705] SED: plpks not available\nok a\npeer-exit capi-smoke 0x0\npeer-run fuzz\npeer-exit fuzz 0x100\n";
        let outcomes = console_outcomes(text);
        let smoke = &outcomes["capi-smoke"];
        assert_eq!(smoke.code, Some(0));
        assert!(smoke.output.contains("ok a\n"));
        assert_eq!(outcomes["fuzz"].code, Some(1));
    }

    #[test]
    fn the_gcc_major_version_comes_from_apt_cache_depends() {
        let depends = "gcc-aarch64-linux-gnu\n  Depends: cpp-aarch64-linux-gnu\n  Depends: gcc-12-aarch64-linux-gnu\n    gcc-12-aarch64-linux-gnu:arm64\n";
        assert_eq!(
            gcc_major(depends, "aarch64-linux-gnu").as_deref(),
            Some("12")
        );
        assert_eq!(gcc_major(depends, "s390x-linux-gnu"), None);
    }
}
