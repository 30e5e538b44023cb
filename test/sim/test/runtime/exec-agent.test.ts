// The kubelet's exec-agent client: after stop() it must know no agent and no session any more, so the
// kubelet's pids() is empty (kubelet.test.ts asserts that; it once failed because stop() resolved on the
// agent's 'exit' before its 'close' handler had forgotten it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { ExecAgent } from '../../runtime/exec-agent-client.ts';
import { isRunning } from '../../runtime/network.ts';

const AGENT = join(import.meta.dirname, '../../runtime', 'exec-agent-process.ts');

// The session is orphaned when its agent dies and stays a zombie until PID 1 reaps it: gone is gone or a zombie.
const alive = isRunning;

test('exec agent: stop() ends a running session and leaves no pid behind, every time', async () => {
  for (let i = 0; i < 15; i++) {
    const agent = new ExecAgent([process.execPath, '--disable-warning=ExperimentalWarning', AGENT], { PATH: process.env.PATH ?? '/usr/bin:/bin' });
    agent.start();
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => { text += d.toString(); });
    const s = agent.run(['sh', '-c', 'echo up; exec sleep 30'], { PATH: process.env.PATH ?? '/usr/bin:/bin' }, { stdout: out, stderr: new PassThrough() });
    const end = Date.now() + 120_000;
    while ((!text.includes('up') || agent.sessionPids().length === 0) && Date.now() < end) { await new Promise((r) => setTimeout(r, 5)); }
    const [session] = agent.sessionPids();
    const agentPid = agent.pid!;
    assert.ok(session && agentPid, 'session running');
    await agent.stop();
    assert.equal(agent.pid, undefined, `round ${i}: the agent is still listed after stop()`);
    assert.deepEqual(agent.sessionPids(), [], `round ${i}: a session is still listed after stop()`);
    assert.deepEqual(await s.done, { code: null, signal: 'SIGKILL' });
    assert.equal(alive(session), false, `round ${i}: session ${session} survived stop()`);
    assert.equal(alive(agentPid), false, `round ${i}: agent ${agentPid} survived stop()`);
  }
});
