// The next value of an async iterator (an event stream), or a clear failure
// when none comes in time or the stream ends.
export async function nextEvent<T>(it: AsyncIterator<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([
    it.next(),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no event within ${ms} ms`)), ms); }),
  ]);
  clearTimeout(timer);
  if (r.done) throw new Error('stream ended');
  return r.value;
}
