import { describe, expect, it } from 'vitest';

describe('runtime', () => {
  it('runs on the Node major pinned by the node devDependency (Node 24), which @medplum/core 5 needs', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24);
  });
});
