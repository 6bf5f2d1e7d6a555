//! `cargo xtask serve`: a static file server for `www/`, local only. Sends `no-cache` so a
//! rebuilt wasm or model is picked up on reload, and the wasm MIME type that
//! `WebAssembly.instantiateStreaming` requires.

use std::fs::File;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use tiny_http::{Header, Method, Response, ResponseBox, Server, StatusCode};

pub fn serve(www: &Path, port: u16) -> Result<()> {
    let www = www
        .canonicalize()
        .with_context(|| format!("{} missing", www.display()))?;
    let server = Server::http(("127.0.0.1", port))
        .map_err(|e| anyhow!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    println!(
        "serving {} on http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        www.display()
    );
    for request in server.incoming_requests() {
        let response = respond(&www, request.method(), request.url());
        println!(
            "{} {} {}",
            request.method(),
            request.url(),
            response.status_code().0
        );
        if let Err(e) = request.respond(response) {
            eprintln!("error sending response: {e}");
        }
    }
    Ok(())
}

fn respond(www: &Path, method: &Method, url: &str) -> ResponseBox {
    if !matches!(method, Method::Get | Method::Head) {
        return status(405, "method not allowed").with_header(header("Allow", "GET, HEAD"));
    }
    let Some(path) = resolve(www, url) else {
        return status(404, "not found");
    };
    match File::open(&path) {
        // tiny_http leaves the body out for HEAD requests.
        Ok(file) => Response::from_file(file)
            // Always a Content-Length (no chunking), so the page can show download progress.
            .with_chunked_threshold(usize::MAX)
            .with_header(header("Content-Type", mime(&path)))
            .with_header(header("Cache-Control", "no-cache"))
            .with_header(header("X-Content-Type-Options", "nosniff"))
            .boxed(),
        Err(_) => status(404, "not found"),
    }
}

/// Maps a request URL to a file under `www`, or None. Only plain path segments are accepted
/// (no `..`, no backslashes), and the resolved path, symlinks followed, must stay inside `www`.
fn resolve(www: &Path, url: &str) -> Option<PathBuf> {
    let path = url.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
    let mut file = www.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut parts = Path::new(segment).components();
        match (parts.next(), parts.next()) {
            (Some(Component::Normal(_)), None) if !segment.contains('\\') => file.push(segment),
            _ => return None,
        }
    }
    if file.is_dir() {
        file.push("index.html");
    }
    let file = file.canonicalize().ok()?;
    (file.starts_with(www) && file.is_file()).then_some(file)
}

fn percent_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            bytes.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            bytes.push(b);
            rest = tail;
        }
    }
    let decoded = String::from_utf8(bytes).ok()?;
    (!decoded.contains('\0')).then_some(decoded)
}

fn mime(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext.to_ascii_lowercase().as_str() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn status(code: u16, text: &str) -> ResponseBox {
    Response::from_string(text)
        .with_status_code(StatusCode(code))
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
        .boxed()
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name, value).expect("static header names and values are valid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_stays_inside_www() {
        let www = crate::root().join("xtask").canonicalize().unwrap();
        assert!(resolve(&www, "/Cargo.toml").is_some());
        assert!(resolve(&www, "/src/main.rs?v=1").is_some());
        assert!(resolve(&www, "/src%2Fmain.rs").is_some());
        for bad in [
            "/../Cargo.toml",
            "/src/../../Cargo.toml",
            "/%2e%2e/Cargo.toml",
        ] {
            assert_eq!(resolve(&www, bad), None, "{bad}");
        }
        assert_eq!(resolve(&www, "/..%5CCargo.toml"), None);
        assert_eq!(resolve(&www, "/%zz"), None);
        assert_eq!(resolve(&www, "/missing.js"), None);
    }

    #[test]
    fn mime_types() {
        assert_eq!(mime(Path::new("pkg/lcnet_bg.wasm")), "application/wasm");
        assert_eq!(mime(Path::new("app.MJS")), "text/javascript; charset=utf-8");
    }
}
