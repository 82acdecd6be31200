/**
 * Preloaded by `deno task test` into every test module: asking for a WebGPU adapter anywhere but
 * tests/gpu_test.ts fails with the reason, because two test workers with WebGPU instances make the
 * process abort at exit on Mesa's GL backend (see tests/gpu_test.ts).
 * @module
 */
const gpuSuite = new URL("./gpu_test.ts", import.meta.url).href;

if (Deno.mainModule !== gpuSuite && navigator.gpu) {
  navigator.gpu.requestAdapter = () => {
    throw new Error(
      `${Deno.mainModule} asked for a WebGPU adapter: name the file *.gpu.ts and import it from ` +
        "tests/gpu_test.ts, so that one test worker holds the process's only WebGPU instance",
    );
  };
}
