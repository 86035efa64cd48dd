import { expect } from "chai";
import { ProgressBar, formatDuration } from "../../../src/report/progress";

function fakeStream(isTTY: boolean): {
  chunks: string[];
  write(s: string): boolean;
  isTTY: boolean;
} {
  const chunks: string[] = [];
  return { chunks, isTTY, write: (s: string) => chunks.push(s) > 0 };
}

describe("report/progress", () => {
  it("prints one line per 10 % when not a TTY, with ETA", () => {
    let t = 0;
    const stream = fakeStream(false);
    const bar = new ProgressBar(200, { label: "sim", stream, now: () => t });
    for (let i = 0; i < 200; i++) {
      t += 50;
      bar.tick();
    }
    bar.finish();
    expect(stream.chunks).to.have.length(10);
    expect(stream.chunks.every((c) => c.endsWith("\n") && !c.includes("\r"))).to.be.true;
    expect(stream.chunks[0]).to.match(/^sim \[###-+\]\s+10\.0% 20\/200 elapsed 1s ETA 9s\n$/);
    expect(stream.chunks[9]).to.include("100.0% 200/200").and.include("done");
  });

  it("redraws in place with \\r on a TTY and ends with a newline", () => {
    let t = 0;
    const stream = fakeStream(true);
    const bar = new ProgressBar(4, { stream, now: () => t, minIntervalMs: 0, width: 8 });
    for (let i = 0; i < 4; i++) {
      t += 1000;
      bar.tick();
    }
    expect(stream.chunks.slice(0, 4).every((c) => c.startsWith("\r"))).to.be.true;
    expect(stream.chunks[1]).to.include("[####----]").and.include("ETA 2s");
    expect(stream.chunks.at(-1)).to.equal("\n");
    bar.tick();
    expect(stream.chunks.at(-1)).to.equal("\n");
  });

  it("formats durations", () => {
    expect(formatDuration(42_000)).to.equal("42s");
    expect(formatDuration(185_000)).to.equal("3m05s");
    expect(formatDuration(3_720_000)).to.equal("1h02m");
    expect(formatDuration(NaN)).to.equal("--");
  });
});
