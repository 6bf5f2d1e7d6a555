// Spins for the given milliseconds and answers how many rounds of work it did (cores.js counts
// how many such workers run at once). A round is arithmetic the engine cannot fold away, long
// enough that reading the clock between rounds costs next to nothing.
let x = 1;
onmessage = (e) => {
  const end = performance.now() + e.data;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 20_000; i++) x = (x * 1.000001 + 0.5) % 1000;
    n += 1;
  }
  postMessage(x < 0 ? -n : n); // `x` read, so the rounds are not dead code
};
