import { describe, expect, it } from 'vitest';
import { Progress } from '../../actors/raft/progress.ts';

describe('Progress in probe state', () => {
  it('starts probing with one Append allowed in flight', () => {
    const pr = new Progress(11, 4);
    expect(pr.state).toBe('probe');
    expect(pr.match).toBe(0);
    expect(pr.next).toBe(11);
    expect(pr.isPaused()).toBe(false);
    pr.sentAppend(12, 2);
    expect(pr.isPaused()).toBe(true);
    expect(pr.next).toBe(11); // probing does not advance next optimistically
  });

  it('unpauses when the follower acknowledges progress', () => {
    const pr = new Progress(11, 4);
    pr.sentAppend(12, 2);
    expect(pr.maybeUpdate(12)).toBe(true);
    expect(pr.match).toBe(12);
    expect(pr.next).toBe(13);
    expect(pr.isPaused()).toBe(false);
  });

  it('ignores stale acknowledgements', () => {
    const pr = new Progress(11, 4);
    pr.maybeUpdate(8);
    expect(pr.maybeUpdate(5)).toBe(false);
    expect(pr.match).toBe(8);
    expect(pr.next).toBe(11);
  });
});

describe('Progress in replicate state', () => {
  it('resumes right after the match point and pipelines up to the window', () => {
    const pr = new Progress(11, 2);
    pr.maybeUpdate(10);
    pr.becomeReplicate();
    expect(pr.next).toBe(11);
    pr.sentAppend(12, 2);
    expect(pr.next).toBe(13);
    expect(pr.isPaused()).toBe(false);
    pr.sentAppend(15, 3);
    expect(pr.next).toBe(16);
    expect(pr.inflightCount()).toBe(2);
    expect(pr.isPaused()).toBe(true);
  });

  it('frees every window slot at or below an acknowledged index', () => {
    const pr = new Progress(1, 3);
    pr.becomeReplicate();
    pr.sentAppend(2, 2);
    pr.sentAppend(4, 2);
    pr.sentAppend(6, 2);
    expect(pr.isPaused()).toBe(true);
    pr.maybeUpdate(4);
    expect(pr.inflightCount()).toBe(1);
    expect(pr.isPaused()).toBe(false);
    pr.maybeUpdate(6);
    expect(pr.inflightCount()).toBe(0);
  });

  it('does not count empty Appends against the window', () => {
    const pr = new Progress(1, 1);
    pr.becomeReplicate();
    pr.sentAppend(0, 0);
    expect(pr.inflightCount()).toBe(0);
    expect(pr.isPaused()).toBe(false);
  });

  it('falls back to probing from just past the match point', () => {
    const pr = new Progress(1, 4);
    pr.maybeUpdate(5);
    pr.becomeReplicate();
    pr.sentAppend(9, 4);
    pr.becomeProbe();
    expect(pr.state).toBe('probe');
    expect(pr.next).toBe(6);
    expect(pr.inflightCount()).toBe(0);
    expect(pr.isPaused()).toBe(false);
  });
});

describe('Progress in snapshot state', () => {
  it('pauses Appends while the snapshot is sent', () => {
    const pr = new Progress(3, 4);
    pr.becomeSnapshot(snapshotAt(20));
    expect(pr.state).toBe('snapshot');
    expect(pr.snapshotIndex).toBe(20);
    expect(pr.snapshotOffset).toBe(0);
    expect(pr.isPaused()).toBe(true);
  });

  it('resumes probing right after the snapshot once it is installed', () => {
    const pr = new Progress(3, 4);
    pr.becomeSnapshot(snapshotAt(20));
    pr.becomeProbe();
    expect(pr.next).toBe(21);
  });

  it('resumes after the match point when the follower got further than the snapshot', () => {
    const pr = new Progress(3, 4);
    pr.becomeSnapshot(snapshotAt(20));
    pr.maybeUpdate(25);
    pr.becomeProbe();
    expect(pr.next).toBe(26);
  });
});

function snapshotAt(index: number) {
  return { meta: { index, term: 1, config: { voters: ['1'], learners: [] }, lamport: 0 }, data: new Uint8Array(4) };
}
