//! The device side shared by every kernel: [`GpuContext`] (device, queue, every pipeline, built
//! once, and the failure and readback bookkeeping) and [`Dispatch`] (one recorded kernel
//! launch, replayed per batch).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use wgpu::util::DeviceExt;

use super::shaders;
use crate::{Error, Result};

/// Threads per workgroup of the element-wise and convolution kernels (their `@workgroup_size`).
pub(crate) const WG: u32 = 64;

/// Every compute pipeline, created once per device.
#[derive(Debug, Clone)]
pub(crate) struct Pipelines {
    pub conv3x3: wgpu::ComputePipeline,
    pub conv1x1: wgpu::ComputePipeline,
    pub residual: wgpu::ComputePipeline,
    pub residual_into: wgpu::ComputePipeline,
    pub pool: wgpu::ComputePipeline,
    pub linear: wgpu::ComputePipeline,
    pub gate: wgpu::ComputePipeline,
    pub decide_block: wgpu::ComputePipeline,
    pub decide_channels: wgpu::ComputePipeline,
}

/// Device, queue and pipelines. Cheap to clone (wgpu handles are reference counted).
#[derive(Debug, Clone)]
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    /// The adapter, when [`GpuContext::request`] chose it (empty fields on the web backend).
    pub adapter: Option<wgpu::AdapterInfo>,
    pub(crate) pipes: Pipelines,
    /// The first device loss or uncaptured GPU error, recorded by the device's callbacks: once
    /// set, every later run fails with it (the page then falls back to the CPU).
    failure: Arc<Mutex<Option<String>>>,
    /// GPU->CPU readbacks so far, shared by clones (one per batch on the whole-network path).
    readbacks: Arc<AtomicU64>,
}

impl GpuContext {
    /// Builds every pipeline on a caller-supplied device (tests inject a software adapter).
    pub fn new(device: wgpu::Device, queue: wgpu::Queue) -> Self {
        let pipes = Pipelines {
            conv3x3: pipeline(&device, "conv3x3", shaders::CONV3X3, "main"),
            conv1x1: pipeline(&device, "conv1x1", shaders::CONV1X1, "main"),
            residual: pipeline(&device, "residual", shaders::RESIDUAL, "main"),
            residual_into: pipeline(&device, "residual", shaders::RESIDUAL, "add_into"),
            pool: pipeline(&device, "pool", shaders::POOL, "main"),
            linear: pipeline(&device, "linear", shaders::LINEAR, "main"),
            gate: pipeline(&device, "gate", shaders::GATE, "main"),
            decide_block: pipeline(&device, "decide", shaders::DECIDE, "decide_block"),
            decide_channels: pipeline(&device, "decide", shaders::DECIDE, "decide_channels"),
        };
        // Without these handlers wgpu panics natively and only logs on the web; recording the
        // error lets `classify` fail cleanly instead.
        let failure = Arc::new(Mutex::new(None));
        let f = failure.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            record(&f, format!("GPU error: {e}"));
        }));
        let f = failure.clone();
        device.set_device_lost_callback(move |reason, msg| {
            record(&f, format!("the GPU device was lost ({reason:?}: {msg})"));
        });
        Self {
            device,
            queue,
            adapter: None,
            pipes,
            failure,
            readbacks: Arc::new(AtomicU64::new(0)),
        }
    }

    /// Requests an adapter and device from the compiled-in backends (Vulkan natively, WebGPU in
    /// the browser) with default limits; `WGPU_BACKEND` etc. override the defaults natively.
    pub async fn native() -> Result<Self> {
        Self::request(&wgpu::Instance::new(
            wgpu::InstanceDescriptor::new_without_display_handle_from_env(),
        ))
        .await
    }

    /// Requests an adapter and a device with default limits from `instance` (native or the
    /// browser's WebGPU) and builds the pipelines on it.
    pub async fn request(instance: &wgpu::Instance) -> Result<Self> {
        let adapter = instance
            .request_adapter(&wgpu::RequestAdapterOptions::default())
            .await
            .map_err(|e| Error::Gpu(format!("no GPU adapter found ({e})")))?;
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("lcnet"),
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Gpu(format!("the GPU refused a device ({e})")))?;
        Ok(Self {
            adapter: Some(adapter.get_info()),
            ..Self::new(device, queue)
        })
    }

    /// Fails with the recorded device loss or GPU error, if there was one.
    pub fn check(&self) -> Result<()> {
        match self.failure.lock().ok().and_then(|f| f.clone()) {
            Some(msg) => Err(Error::Gpu(msg)),
            None => Ok(()),
        }
    }

    /// A read-only storage buffer holding `data`.
    pub(crate) fn storage<T: bytemuck::Pod>(&self, label: &str, data: &[T]) -> wgpu::Buffer {
        let bytes: &[u8] = bytemuck::cast_slice(data);
        // Zero-sized bindings are invalid; keep one word.
        let pad = [0u8; 4];
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: if bytes.is_empty() { &pad } else { bytes },
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
            })
    }

    /// A zeroed storage buffer of `words` 32-bit values, also usable for indirect dispatch.
    pub(crate) fn scratch(&self, label: &str, words: usize) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: 4 * words.max(1) as u64,
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::INDIRECT
                | wgpu::BufferUsages::COPY_DST
                | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    pub(crate) fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// A bind group for `pipe` whose binding `i` is the whole of `buffers[i]`.
    pub(crate) fn bind(&self, pipe: &wgpu::ComputePipeline, buffers: &[&wgpu::Buffer]) -> Bound {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let group = self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: None,
            layout: &pipe.get_bind_group_layout(0),
            entries: &entries,
        });
        Bound {
            pipe: pipe.clone(),
            group,
        }
    }

    /// How many GPU->CPU readbacks this context has made (each `map_async` of a staging buffer).
    pub fn readbacks(&self) -> u64 {
        self.readbacks.load(Ordering::Relaxed)
    }

    /// Copies `words` 32-bit values from the start of each source into one staging buffer,
    /// submits `encoder`, and reads everything back with one `map_async`.
    pub(crate) async fn submit_and_read(
        &self,
        mut encoder: wgpu::CommandEncoder,
        sources: &[(&wgpu::Buffer, usize)],
    ) -> Result<Vec<u32>> {
        self.check()?;
        self.readbacks.fetch_add(1, Ordering::Relaxed);
        let total: usize = sources.iter().map(|(_, n)| n).sum();
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback"),
            size: 4 * total.max(1) as u64,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut at = 0u64;
        for (buf, n) in sources {
            let size = 4 * *n as u64;
            if size > 0 {
                encoder.copy_buffer_to_buffer(buf, 0, &staging, at, size);
            }
            at += size;
        }
        self.queue.submit([encoder.finish()]);
        let slice = staging.slice(..);
        // A std channel would block the browser's only thread; a oneshot is awaited instead.
        let (tx, rx) = futures_channel::oneshot::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        // Natively this drives the map callback; on the web the browser polls and this returns.
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| Error::Gpu(format!("waiting for the GPU failed ({e})")))?;
        rx.await
            .map_err(|_| Error::Gpu("the readback was cancelled".into()))?
            .map_err(|e| Error::Gpu(format!("reading back from the GPU failed ({e})")))?;
        let out = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| Error::Gpu(format!("reading back from the GPU failed ({e})")))?;
            bytemuck::cast_slice::<u8, u32>(&view)[..total].to_vec()
        };
        staging.unmap();
        // An error raised while this image ran (validation, out of memory) makes its numbers
        // untrustworthy. On the web it arrives asynchronously and may be noticed one run late.
        self.check()?;
        Ok(out)
    }

    /// Runs `dispatches` in one compute pass and reads back `out` (`words` values).
    pub(crate) async fn run_once(
        &self,
        dispatches: &[Dispatch],
        out: &wgpu::Buffer,
        words: usize,
    ) -> Result<Vec<u32>> {
        let mut encoder = self
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
            for d in dispatches {
                d.encode(&mut pass, 1);
            }
        }
        self.submit_and_read(encoder, &[(out, words)]).await
    }
}

/// Keeps the first failure: later ones are usually consequences of it.
fn record(failure: &Mutex<Option<String>>, msg: String) {
    if let Ok(mut f) = failure.lock() {
        f.get_or_insert(msg);
    }
}

fn pipeline(device: &wgpu::Device, label: &str, wgsl: &str, entry: &str) -> wgpu::ComputePipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(wgsl.into()),
    });
    device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
        label: Some(label),
        layout: None,
        module: &module,
        entry_point: Some(entry),
        compilation_options: Default::default(),
        cache: None,
    })
}

/// A pipeline with its bind group.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    pipe: wgpu::ComputePipeline,
    group: wgpu::BindGroup,
}

/// How many workgroups a dispatch runs.
#[derive(Debug, Clone)]
pub(crate) enum Groups {
    Direct([u32; 3]),
    /// `[x, y]` workgroups for each image of the submission (z = the image).
    Images([u32; 2]),
    /// Read on the GPU from a buffer a previous kernel wrote, at this byte offset.
    Indirect(wgpu::Buffer, u64),
}

/// One recorded kernel launch: all of them are built once per model and replayed per batch.
#[derive(Debug, Clone)]
pub(crate) struct Dispatch {
    pub bound: Bound,
    pub groups: Groups,
}

impl Dispatch {
    pub fn direct(bound: Bound, groups: [u32; 3]) -> Self {
        Self {
            bound,
            groups: Groups::Direct(groups),
        }
    }

    pub fn per_image(bound: Bound, [x, y, _]: [u32; 3]) -> Self {
        Self {
            bound,
            groups: Groups::Images([x, y]),
        }
    }

    pub fn indirect(bound: Bound, args: &wgpu::Buffer, offset: u64) -> Self {
        Self {
            bound,
            groups: Groups::Indirect(args.clone(), offset),
        }
    }

    /// Records the launch for a submission of `images` images.
    pub fn encode(&self, pass: &mut wgpu::ComputePass<'_>, images: u32) {
        pass.set_pipeline(&self.bound.pipe);
        pass.set_bind_group(0, &self.bound.group, &[]);
        match &self.groups {
            Groups::Direct([x, y, z]) => pass.dispatch_workgroups(*x, *y, *z),
            Groups::Images([x, y]) => pass.dispatch_workgroups(*x, *y, images),
            Groups::Indirect(buf, offset) => pass.dispatch_workgroups_indirect(buf, *offset),
        }
    }
}

/// Workgroups covering `n` items.
pub(crate) fn groups_for(n: usize) -> u32 {
    (n as u32).div_ceil(WG)
}

pub(crate) fn f32s(words: &[u32]) -> Vec<f32> {
    words.iter().map(|w| f32::from_bits(*w)).collect()
}
