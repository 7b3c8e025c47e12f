import { describe, it, expect } from 'vitest';
import { uniqueString, armGuid } from '../../src/arm/expressions/hash.js';

describe('uniqueString (ResourceStack MurmurHash64, docs/behaviour/arm.md §4 vectors)', () => {
  it.each([
    [['test'], 'rbgf3xv4ufgzg'],
    [['hello', 'world'], 'a7wkljktk6wne'],
    [['abc'], 'cgtzqvhu4i23s'],
    [['/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg'], 'bmg7c6xu4tw46'],
    [['foo', 'bar', 'baz'], 'xzi4ioaxtmth4'],
    [['/subscriptions/00000000-0000-0000-0000-000000000000', 'resource-id'], 'cwvxuqg24sifi'],
    [['a'], 'eveiun73364hy'],
    [['a', 'b', 'c'], 'gmauwwrtcq2xa'],
  ])('%j → %s', (args, expected) => {
    expect(uniqueString(args)).toBe(expected);
  });
  it('is case-sensitive', () => {
    expect(uniqueString(['ABC'])).not.toBe(uniqueString(['abc']));
  });
});

describe('guid (UUID v5, docs/behaviour/arm.md §4)', () => {
  it.each([
    [['abc'], 'a9b46cc2-65a6-5559-9f14-7091827ab32f'],
    [['a', 'b', 'c'], 'a98fa280-e03f-5afa-8d8e-92d0a9c201e8'],
    [[''], 'e655a85f-3ab2-5e4a-9666-569aa72a5a10'],
  ])('%j → %s', (args, expected) => {
    expect(armGuid(args)).toBe(expected);
  });
});
