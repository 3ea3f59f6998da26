/**
 * XDP firewall throughput: packets per second through a veth pair with no
 * firewall, with a trivial XDP program that passes everything (the kernel's
 * own cost of running XDP on the pair), with the firewall and a few rules,
 * with 10,000 rules, and with a rule dropping the flood, in native (drv) and
 * generic (skb) XDP mode; as ratios to "no firewall", measured side by side
 * in one run (modes interleaved, rotated each repetition), medians over the
 * repetitions. Then one run per XDP mode with kernel.bpf_stats_enabled on
 * gives each program's own time per packet (off during the rate runs: it
 * costs every BPF program on the host).
 *
 * The generator is bench/storm/pkt_flood.c: UDP with sendmmsg, unpaced,
 * pinned to one CPU in a network namespace. A veth peer's receive path (XDP
 * included) runs on the sending CPU, so the sender's rate is the pair's
 * throughput; the host end's rx counter checks the packets arrived. The
 * flood never matches a rule (except in the drop mode), but the few-rule set
 * puts 8 candidates on the sender's /24 that the kernel checks per packet.
 *
 *   node bench/firewall-pps.ts [--reps N] [--seconds S] [--rules N] [--modes drv,skb]
 *                              [--cpu N] [--quiet-wait SECONDS] [--out DIR]
 *
 * Needs root and a built tree (npm run build:bpf, npm run build:tools).
 * Writes bench/results/firewall-pps-<ts>.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { compileRules } from '../src/domain/enforce/firewall/compile.ts';
import type { FirewallRule } from '../src/domain/enforce/firewall/rule.ts';
import { type RuleInput, requireRule } from '../src/domain/enforce/firewall/validate.ts';
import { BpfObjectSpec, nativeBridge, OwnedFd } from '../src/ebpf/index.ts';
import { attachXdp, type FdLink } from '../src/ebpf/links/index.ts';
import { createFirewallService } from '../src/enforce/firewall/factory.ts';
import { progPin } from '../src/enforce/firewall/pins.ts';
import { projectRoot } from '../src/host/paths.ts';
import { openDatabase } from '../src/store/database.ts';
import { enableBpfStats, foreignPrograms } from './lib/bpf-stats.ts';
import { buildFirewallResults, firewallMarkdown, type FirewallRun as Run } from './lib/firewall-report.ts';
import { NOISY_SHARE } from './lib/measure.ts';
import { hostCpu } from './lib/proc.ts';
import { summarize } from './lib/stats.ts';
import { benchPair } from './lib/veth-pair.ts';

const { values: opt } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    rules: { type: 'string', default: '10000' },
    modes: { type: 'string', default: 'drv,skb' },
    cpu: { type: 'string', default: '1' },
    'quiet-wait': { type: 'string', default: '20' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  console.log(readFileSync(new URL(import.meta.url), 'utf8').split('*/')[0]);
  process.exit(0);
}
const root = projectRoot();
const reps = Number(opt.reps);
const seconds = Number(opt.seconds);
const ruleCount = Number(opt.rules);
const xdpModes = opt.modes.split(',').map((m) => m.trim()) as ('drv' | 'skb')[];
if (!(reps >= 1 && seconds > 0 && ruleCount >= 20) || xdpModes.some((m) => m !== 'drv' && m !== 'skb')) {
  console.error('firewall-pps: --reps >= 1, --seconds > 0, --rules >= 20, --modes of drv,skb');
  process.exit(2);
}
const flood = join(root, 'build', 'pkt_flood');
if (!existsSync(flood)) execFileSync(join(root, 'scripts', 'build-tools.sh'), { stdio: 'inherit' });

const passObject = join(root, 'build', 'test-bpf', 'mgr_xdp.bpf.o');
if (!existsSync(passObject)) execFileSync(join(root, 'scripts', 'build-test-bpf.sh'), { stdio: 'inherit' });

const pair = benchPair();
const bridge = nativeBridge();
// The trivial program: one counter increment and XDP_PASS (test/fixtures/bpf/mgr_xdp.bpf.c).
const passObj = BpfObjectSpec.open(passObject, { bridge }).load();
const passProg = passObj.program('count_xdp');
let passLink: FdLink | undefined;
const dir = mkdtempSync(join(tmpdir(), 'bpfwarden-fwbench-'));
const db = openDatabase(join(dir, 'bw.db'));
const pinRoot = `/sys/fs/bpf/bwfwbench-${process.pid}`;
const svc = createFirewallService({
  bridge: nativeBridge(),
  db,
  pinRoot,
  author: { who: 'cli', user: 'bench' },
});
const cleanup = (): void => {
  try {
    svc.unload();
  } catch {}
  db.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pinRoot, { recursive: true, force: true });
  pair.cleanup();
};
process.on('SIGINT', () => {
  cleanup();
  process.exit(130);
});

const few: RuleInput[] = [
  ...Array.from({ length: 8 }, (_, i) => ({
    id: 1 + i,
    priority: 100 + i,
    action: 'drop',
    protocol: 'tcp',
    src: pair.senderNet,
    dport: 1000 + i,
  })),
  { id: 9, priority: 200, action: 'drop', protocol: 'udp', dport: 53 },
  { id: 10, priority: 201, action: 'log', protocol: 'icmp' },
];
const many: RuleInput[] = [
  ...few,
  ...Array.from({ length: ruleCount - few.length }, (_, i) => ({
    id: 100 + i,
    action: 'drop',
    src: `10.${240 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255}/32`,
  })),
];
const drop: RuleInput[] = [...few, { id: 99, priority: 0, action: 'drop', src: `${pair.senderAddr}/32` }];
const sets: Record<string, FirewallRule[]> = {
  few: few.map((r) => requireRule(r)),
  many: many.map((r) => requireRule(r)),
  drop: drop.map((r) => requireRule(r)),
};

type ModeName = string;
const modes: ModeName[] = [
  'none',
  ...xdpModes.flatMap((m) => [`pass-${m}`, `few-${m}`, `many-${m}`, `drop-${m}`]),
];
const KIND: Record<string, string> = {
  pass: 'trivial XDP program (pass)',
  few: `firewall, ${few.length} rules`,
  many: `firewall, ${ruleCount.toLocaleString('en-US')} rules`,
  drop: 'firewall, a rule drops the flood',
};
const label = (m: ModeName): string =>
  m === 'none' ? 'no XDP program' : `${KIND[m.split('-')[0]!]} (${m.split('-')[1]})`;

let current = { xdp: '', set: '', pass: '' };
const applyTimes: number[] = [];
function enter(mode: ModeName): void {
  const [kind, xdp] = mode === 'none' ? ['', ''] : (mode.split('-') as [string, string]);
  const fwXdp = kind && kind !== 'pass' ? xdp : '';
  const passXdp = kind === 'pass' ? xdp : '';
  // Detach first: an interface holds one XDP program.
  if (passXdp !== current.pass) {
    passLink?.close();
    passLink = undefined;
  }
  if (fwXdp !== current.xdp && current.xdp) svc.detach(pair.host);
  if (passXdp && !passLink) {
    const ifindex = Number(readFileSync(`/sys/class/net/${pair.host}/ifindex`, 'utf8'));
    passLink = attachXdp(bridge, passProg.fd, { ifindex, mode: passXdp as 'drv' | 'skb' });
  }
  if (fwXdp && fwXdp !== current.xdp) {
    const a = svc.attach(pair.host, fwXdp as 'drv' | 'skb');
    if (a.mode && a.mode !== fwXdp) throw new Error(`asked for ${fwXdp}, the kernel took ${a.mode}`);
  }
  const set = fwXdp ? kind : '';
  if (set && (set !== current.set || !svc.loaded)) {
    const r = svc.replaceSourceRules(sets[set]!);
    if (set === 'many' && r.applied) applyTimes.push(r.applied.ms);
  }
  current = { xdp: fwXdp, set: set || current.set, pass: passXdp };
}

/** The program now on the interface: its run count and run time so far (needs bpf_stats_enabled). */
function progCounters(): { runs: number; ns: number } | null {
  const fd = current.pass
    ? new OwnedFd(bridge, passProg.fd)
    : current.xdp
      ? OwnedFd.fromPin(bridge, progPin(pinRoot))
      : null;
  if (!fd) return null;
  const info = fd.info('prog');
  if (!current.pass) fd.close();
  return { runs: info.runCount, ns: info.runTimeNs };
}

function measure(mode: ModeName, rep: number, noisy: boolean): Run & { progNsPerPacket: number | null } {
  enter(mode);
  const p0 = progCounters();
  const rx0 = pair.rxPackets();
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      pair.ns,
      flood,
      '--src',
      pair.senderAddr,
      '--dst',
      pair.hostAddr,
      '--port',
      '9',
      '--seconds',
      String(seconds),
      '--cpu',
      opt.cpu,
      '--batch',
      '64',
    ],
    { encoding: 'utf8' },
  );
  const f = JSON.parse(out.trim().split('\n').at(-1)!) as { sent: number; seconds: number; pps: number };
  const received = pair.rxPackets() - rx0;
  const p1 = progCounters();
  const progNsPerPacket = p0 && p1 && p1.runs > p0.runs ? (p1.ns - p0.ns) / (p1.runs - p0.runs) : null;
  return { mode, rep, pps: f.pps, sent: f.sent, received, noisy, progNsPerPacket };
}

/** BPF programs of others (ours: the pass program this process holds, the pinned firewall). */
const company = () => foreignPrograms([process.pid]).filter((p) => p.name !== 'fw_xdp');

/** Waits (up to maxMs) for no one else's BPF programs and a nearly idle host; whether it got there. */
async function waitForQuiet(maxMs: number): Promise<boolean> {
  const until = Date.now() + maxMs;
  for (;;) {
    const h0 = hostCpu();
    await new Promise((r) => setTimeout(r, 500));
    const h1 = hostCpu();
    const busy = (h1.busy - h0.busy) / (h1.total - h0.total || 1);
    if (busy < NOISY_SHARE / 2 && company().length === 0) return true;
    if (Date.now() >= until) return false;
  }
}

const runs: Run[] = [];
const costs = new Map<ModeName, number | null>();
const t0 = performance.now();
const compileMs = (() => {
  const s = performance.now();
  compileRules(sets.many!);
  return performance.now() - s;
})();
try {
  for (let rep = 0; rep < reps; rep++) {
    const quiet = await waitForQuiet(Number(opt['quiet-wait']) * 1000);
    const order = modes.map((_, i) => modes[(i + rep) % modes.length]!);
    for (const m of order) {
      const { progNsPerPacket: _, ...r } = measure(m, rep, !quiet || company().length > 0);
      runs.push(r);
      console.error(
        `rep ${rep + 1}/${reps} ${label(m).padEnd(34)} ${Math.round(r.pps).toLocaleString('en-US').padStart(10)} pps${r.noisy ? ' (noisy host)' : ''}`,
      );
    }
  }
  // Each program's own time per packet: one run per XDP mode with run-time statistics on.
  const restore = enableBpfStats();
  try {
    for (const m of modes.filter((x) => x !== 'none')) {
      const r = measure(m, -1, false);
      costs.set(m, r.progNsPerPacket);
      console.error(
        `cost ${label(m).padEnd(40)} ${r.progNsPerPacket === null ? '–' : r.progNsPerPacket.toFixed(0)} ns per packet`,
      );
    }
  } finally {
    restore();
  }
} finally {
  cleanup();
}

const results = buildFirewallResults({
  modes: modes.map((m) => ({ mode: m, label: label(m), drops: m.startsWith('drop') })),
  runs,
  costs,
  meta: {
    reps,
    secondsPerRun: seconds,
    senderCpu: Number(opt.cpu),
    rules: ruleCount,
    compileMsForRules: compileMs,
    applyMsForRules: summarize(applyTimes),
    totalSeconds: (performance.now() - t0) / 1000,
  },
});
const outDir = opt.out ?? join(root, 'bench', 'results');
mkdirSync(outDir, { recursive: true });
const stamp = results.meta.when.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
writeFileSync(join(outDir, `firewall-pps-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
const md = firewallMarkdown(results);
writeFileSync(join(outDir, `firewall-pps-${stamp}.md`), md);
console.log(md);
