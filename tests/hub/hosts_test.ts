import assert from "node:assert/strict";
import { HostNotAllowedError, HostPolicy, isPrivateHost } from "../../hub/mod.ts";

Deno.test("isPrivateHost() knows loopback, private, link-local and mapped addresses", () => {
  for (
    const h of [
      "127.0.0.1",
      "10.1.2.3",
      "192.168.0.1",
      "172.20.0.1",
      "169.254.169.254",
      "[::1]",
      "localhost",
      "fd00::1",
      "::ffff:10.0.0.1",
      "0.0.0.0",
    ]
  ) {
    assert.equal(isPrivateHost(h), true, h);
  }
  for (const h of ["huggingface.co", "8.8.8.8", "172.32.0.1", "cdn-lfs.hf.co"]) {
    assert.equal(isPrivateHost(h), false, h);
  }
});

Deno.test("HostPolicy allows the endpoint and allow-listed https hosts only", () => {
  const policy = new HostPolicy("https://huggingface.co", ["*.hf.co", "cdn.example.org"]);
  policy.check(new URL("https://huggingface.co/a/resolve/main/b"));
  policy.check(new URL("https://cas-bridge.xethub.hf.co/x"));
  policy.check(new URL("https://cdn.example.org/x"));
  for (
    const bad of [
      "https://evil.example/x",
      "http://cas.hf.co/x",
      "https://hf.co.evil.example/",
      "ftp://huggingface.co/x",
    ]
  ) {
    assert.throws(() => policy.check(new URL(bad)), HostNotAllowedError, bad);
  }
});

Deno.test("a loopback endpoint is allowed because it was configured", () => {
  const policy = new HostPolicy("http://127.0.0.1:9999", []);
  policy.check(new URL("http://127.0.0.1:9999/x"));
  assert.throws(() => policy.check(new URL("http://127.0.0.1:22/x")), HostNotAllowedError);
});
