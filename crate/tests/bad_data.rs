//! Bad data becomes an error with a clear message, never a panic: model cards that cannot
//! describe a network, CIFAR binary files with impossible labels, nothing to benchmark.

mod common;

use common::*;
use lcnet::bench::{alternate, median, singles};
use lcnet::{dataset, Config, Thresholds};

const TH: Thresholds = Thresholds {
    tau_l: 0.0,
    tau_c: 0.0,
};

fn config_error(cfg: &Config) -> String {
    cfg.validate().unwrap_err().to_string()
}

#[test]
fn cards_that_describe_no_network_are_refused() {
    let mut cfg = tiny_config(true);
    cfg.num_classes = 0;
    cfg.class_names.clear();
    assert!(
        config_error(&cfg).contains("no classes"),
        "{}",
        config_error(&cfg)
    );

    for std in [
        [0.2, 0.0, 0.2],
        [0.2, f32::NAN, 0.2],
        [-1.0, 0.2, 0.2],
        [f32::INFINITY; 3],
    ] {
        let mut cfg = tiny_config(true);
        cfg.std = std;
        assert!(
            config_error(&cfg).contains("std"),
            "{std:?}: {}",
            config_error(&cfg)
        );
    }
    let mut cfg = tiny_config(true);
    cfg.mean = [0.5, f32::NAN, 0.5];
    assert!(
        config_error(&cfg).contains("mean"),
        "{}",
        config_error(&cfg)
    );
    // A card cannot ask for a network that would take the loader unbounded time or memory.
    for (what, set) in [
        (
            "depth",
            (|c: &mut Config| c.depth = 6 * 1_000_000 + 2) as fn(&mut Config),
        ),
        ("a width", |c| c.widths[1] = 1 << 20),
        ("image_size", |c| c.image_size = 1 << 16),
        ("num_classes", |c| {
            c.num_classes = 5000;
            c.class_names = vec!["x".into(); 5000];
        }),
    ] {
        let mut cfg = tiny_config(true);
        set(&mut cfg);
        let e = config_error(&cfg);
        assert!(e.contains(what) && e.contains("limit"), "{what}: {e}");
    }
    let mut cfg = tiny_config(true);
    cfg.bn_eps = f64::NAN;
    assert!(config_error(&cfg).contains("bn_eps"));
    // The model card loader runs the same checks.
    let mut card: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("weights/smoke/lcnet-resnet8.json")).unwrap(),
    )
    .unwrap();
    card["config"]["num_classes"] = 0.into();
    card["config"]["class_names"] = serde_json::json!([]);
    let e = lcnet::ModelCard::from_json(&card.to_string()).unwrap_err();
    assert!(e.to_string().contains("no classes"), "{e}");
}

fn write_temp(name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("lcnet-{}-{name}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn cifar_binary_files_with_impossible_labels_are_refused() {
    let cfg = Config::cifar10(8, true);
    let mut rec = vec![0u8; 3073];
    let mut two = rec.clone();
    rec[0] = 10; // CIFAR-10 labels are 0..=9
    two.extend_from_slice(&rec);
    let path = write_temp("labels.bin", &two);
    let e = dataset::load_test(&path, &cfg, 0).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(e.contains("record 1 has label 10"), "{e}");

    let path = write_temp("empty.bin", &[]);
    let e = dataset::load_test(&path, &cfg, 0).unwrap_err().to_string();
    std::fs::remove_file(&path).ok();
    assert!(e.contains("not a CIFAR binary file"), "{e}");

    // A valid record still loads.
    let path = write_temp("ok.bin", &vec![3u8; 3073]);
    let s = dataset::load_test(&path, &cfg, 0).unwrap();
    std::fs::remove_file(&path).ok();
    assert_eq!((s.len(), s[0].label), (1, 3));
}

#[test]
fn cifar_binary_files_round_trip_and_spread_like_limit() {
    // The committed fixture read and written back is the same file (`lcnet subset` writes this).
    let cfg = Config::cifar10(8, true);
    let bin = repo_root().join("crate/tests/fixtures/cifar10-test-200.bin");
    let bytes = std::fs::read(&bin).unwrap();
    let all = dataset::load_test(&bin, &cfg, 0).unwrap();
    assert_eq!(dataset::write_bin(&all).unwrap(), bytes);
    // `--limit N` picks record floor(i * n / N): the page's "measure it yourself" picks the same.
    let some = dataset::load_test(&bin, &cfg, 30).unwrap();
    for (i, s) in some.iter().enumerate() {
        assert_eq!(s.rgb, all[i * all.len() / 30].rgb);
    }
    let mut odd = all[0].clone();
    odd.rgb.pop();
    let e = dataset::write_bin(&[odd]).unwrap_err().to_string();
    assert!(e.contains("only 32x32 RGB images"), "{e}");
}

#[test]
fn nothing_to_time_is_an_error() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
    let cfg = tiny_config(true);
    let net = random_model(&cfg, 1);
    let rgb = random_rgb(&cfg, 1, 1);
    let run = |b: &[&[u8]]| {
        let traces = b
            .iter()
            .map(|x| run_path(&net, x, 1, Via::CpuDynamic, TH).1.remove(0));
        Ok(traces.collect())
    };
    let e = alternate([&run], &[], 3).unwrap_err();
    assert!(e.to_string().contains("nothing to time"), "{e}");
    let empty: &[&[u8]] = &[];
    assert!(alternate([&run], &[empty], 3).is_err());
    let one = [&rgb[..]];
    assert!(alternate([&run], &singles(&one), 0).is_err());
    let [t] = alternate([&run], &singles(&one), 2).unwrap();
    assert!(t.mean_ms >= 0.0 && t.macs > 0.0);
}
