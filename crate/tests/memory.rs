//! Big photos in bounded memory: a large JPEG is decoded scaled down inside the DCT, so its
//! full-size pixels never exist. Measured with a counting allocator around `prepare` (this test
//! binary's global allocator records the peak of live heap bytes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::{ImageBuffer, Rgb};
use lcnet::preprocess::prepare;

struct Peak;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: defers to the system allocator and only counts.
unsafe impl GlobalAlloc for Peak {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Peak = Peak;

/// Peak heap bytes above what was live when `f` started.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

/// A `w x h` photo-like JPEG: quadrants red, green, blue, white (upright) with a gradient.
fn big_jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = ImageBuffer::from_fn(w, h, |x, y| {
        let t = ((x + y) % 64) as u8;
        match (x < w / 2, y < h / 2) {
            (true, true) => Rgb([255 - t, t, t]),
            (false, true) => Rgb([t, 255 - t, t]),
            (true, false) => Rgb([t, t, 255 - t]),
            (false, false) => Rgb([255 - t, 255 - t, 255 - t]),
        }
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

#[test]
fn a_big_jpeg_never_exists_at_full_size() {
    let (w, h) = (6000, 4000); // 24 MP: 72 MB as RGB, 96 MB as RGBA
    let bytes = big_jpeg(w, h);
    let (p, peak) = peak_during(|| prepare(&bytes, 32).unwrap());
    eprintln!(
        "{w}x{h} JPEG ({:.1} MB): peak {:.1} MB while preparing",
        bytes.len() as f64 / 1e6,
        peak as f64 / 1e6
    );
    assert!(
        peak < 24 << 20,
        "peak {peak} bytes: the photo was decoded at full size"
    );
    assert_eq!((p.source_width, p.source_height), (w, h));
    // The centre square's quadrants survive: upper left reddish, lower right light.
    let px = |x: usize, y: usize| &p.rgb[(y * 32 + x) * 3..][..3];
    assert!(px(8, 8)[0] > 150 && px(8, 8)[1] < 110, "{:?}", px(8, 8));
    assert!(px(24, 24).iter().all(|&c| c > 150), "{:?}", px(24, 24));
    // A small JPEG still takes the full decoder (what the recorded accuracies were measured
    // with) and costs little anyway.
    let small = big_jpeg(200, 150);
    let (_, peak) = peak_during(|| prepare(&small, 32).unwrap());
    assert!(peak < 4 << 20, "{peak}");
}
