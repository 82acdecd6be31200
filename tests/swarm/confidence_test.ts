import assert from "node:assert/strict";
import {
  betaPosterior,
  combineConfidence,
  confidenceFeatures,
  DEFAULT_CONFIDENCE_WEIGHTS,
  tokenStatistics,
} from "../../swarm/confidence.ts";

Deno.test("betaPosterior counts successes and failures onto a uniform prior", () => {
  const p = betaPosterior({ successes: 8, failures: 0 });
  assert.equal(p.alpha, 9);
  assert.equal(p.beta, 1);
  assert.equal(p.mean, 0.9);
  assert.ok(Math.abs(p.variance - (9 * 1) / (100 * 11)) < 1e-15);
  assert.equal(betaPosterior({ successes: 0, failures: 0 }).mean, 0.5);
});

Deno.test("the posterior narrows as evidence grows", () => {
  const few = betaPosterior({ successes: 2, failures: 2 });
  const many = betaPosterior({ successes: 50, failures: 50 });
  assert.equal(few.mean, many.mean);
  assert.ok(many.variance < few.variance / 10);
});

Deno.test("tokenStatistics gives mean top-1 probability and entropy of the alternatives", () => {
  const sure = {
    logprob: Math.log(0.9),
    topLogprobs: [{ logprob: Math.log(0.9) }, { logprob: Math.log(0.1) }],
  };
  const torn = {
    logprob: Math.log(0.5),
    topLogprobs: [{ logprob: Math.log(0.5) }, { logprob: Math.log(0.5) }],
  };
  const s = tokenStatistics([sure, torn])!;
  assert.equal(s.tokens, 2);
  assert.ok(Math.abs(s.meanTop1 - 0.7) < 1e-12);
  assert.ok(Math.abs(s.minTop1 - 0.5) < 1e-12);
  const h = (-(0.9 * Math.log(0.9) + 0.1 * Math.log(0.1)) + Math.log(2)) / 2;
  assert.ok(Math.abs(s.meanEntropy - h) < 1e-9);
});

Deno.test("tokenStatistics counts unreported probability mass as one more outcome", () => {
  const s = tokenStatistics([{ topLogprobs: [{ logprob: Math.log(0.6) }] }])!;
  assert.ok(Math.abs(s.meanEntropy - -(0.6 * Math.log(0.6) + 0.4 * Math.log(0.4))) < 1e-9);
  assert.equal(tokenStatistics([{}, {}]), null);
});

Deno.test("combined confidence rises with the posterior and with token certainty", () => {
  const stats = (top1: number) => ({ tokens: 3, meanTop1: top1, minTop1: top1, meanEntropy: 0.2 });
  const c = (successes: number, failures: number, top1: number) =>
    combineConfidence(
      confidenceFeatures(betaPosterior({ successes, failures }), stats(top1)),
      DEFAULT_CONFIDENCE_WEIGHTS,
    );
  assert.ok(c(10, 0, 0.9) > c(0, 0, 0.9));
  assert.ok(c(0, 0, 0.9) > c(0, 10, 0.9));
  assert.ok(c(5, 5, 0.99) > c(5, 5, 0.6));
  const noTokens = combineConfidence(
    confidenceFeatures(betaPosterior({ successes: 3, failures: 1 }), null),
  );
  assert.ok(Math.abs(noTokens - 4 / 6) < 1e-3);
});
