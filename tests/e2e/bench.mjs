// The playground's speed in headless Chromium, measured (not asserted): a one-hour run at
// 2,000 msg/s played at max speed, five times in one browser. Prints medians as JSON.
// `cargo xtask bench` runs it against dist/ (SPILLWAY_DIST).

import path from 'node:path';
import { serveDist, launchChromium } from './support.mjs';

const dist = process.env.SPILLWAY_DIST ?? path.resolve('dist');
const rounds = Number(process.env.SPILLWAY_ROUNDS ?? 5);
const { server, base } = await serveDist(dist);
const browser = await launchChromium();
const scenario = [
  'name = "steady-2000"', 'seed = 1', 'duration = "1h"',
  '[[producers]]', 'name = "orders"', 'rate = "2000/s"',
  '[queue]', 'capacity = 100000',
  '[consumers]', 'count = 160', 'service_time = { distribution = "exponential", mean = "60ms" }',
].join('\n');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const results = [];
const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
await page.goto(base);
await page.waitForSelector('[data-testid=toml]');
await page.fill('[data-testid=toml]', scenario);
await page.click('[data-testid=apply-toml]');
await page.click('.speeds >> text=max');
for (let round = 0; round < rounds; round++) {
  await page.click('text=Reset');
  await page.evaluate(() => {
    window.__draws = [];
    const charts = document.querySelector('.charts');
    window.__observer?.disconnect();
    window.__observer = new MutationObserver(() =>
      window.__draws.push([performance.now(), Number(charts.dataset.drawMs)]));
    window.__observer.observe(charts, { attributes: true, attributeFilter: ['data-draw-ms'] });
  });
  const started = await page.evaluate(() => performance.now());
  await page.click('button.play');
  await page.waitForFunction(() => !document.querySelector('button.play').textContent.includes('Pause'),
    null, { timeout: 120_000, polling: 50 });
  const draws = await page.evaluate(() => window.__draws);
  const finished = draws[draws.length - 1][0];
  const wall = (finished - started) / 1000;
  const events = Number(await page.getAttribute('[data-testid=events]', 'data-raw'));
  results.push({ wall, fps: draws.length / wall, drawMs: median(draws.map(([, ms]) => ms)), events });
}
await browser.close();
server.close();
console.log(JSON.stringify({
  rounds,
  run_seconds: median(results.map((r) => r.wall)),
  frames_per_second: median(results.map((r) => r.fps)),
  chart_draw_ms: median(results.map((r) => r.drawMs)),
  events: results[0].events,
  events_per_second: median(results.map((r) => r.events / r.wall)),
}));
