import { BlockList, isIP } from 'node:net';

// IANA's special-purpose IPv4 blocks that are not globally reachable: this host, private,
// CGNAT, loopback, link-local (cloud metadata at 169.254.169.254), IETF protocol assignments,
// the three documentation nets, the 6to4 relay, benchmarking (198.18.0.0/15), multicast, and
// reserved up to and including the broadcast address.
const NOT_PUBLIC_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC_V4.addSubnet(net, bits, 'ipv4');

// IPv6 is allowed, not denied: only global unicast (2000::/3) is public, which leaves out
// loopback, unspecified, IPv4-compatible (::127.0.0.1), discard-only, unique-local, link-local,
// multicast and the local-use NAT64 prefix. Inside it these are not public either: the IETF
// protocol block (Teredo, benchmarking, ORCHID), documentation, and 6to4 (2002::/16), which
// carries an IPv4 address of any kind.
const GLOBAL_UNICAST_V6 = new BlockList();
GLOBAL_UNICAST_V6.addSubnet('2000::', 3, 'ipv6');
const NOT_PUBLIC_V6 = new BlockList();
for (const [net, bits] of [
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
] as const)
  NOT_PUBLIC_V6.addSubnet(net, bits, 'ipv6');

/**
 * The eight 16-bit words of an IPv6 address (a zone index dropped, a dotted IPv4 tail read),
 * or undefined when it is not one.
 */
function ipv6Words(address: string): number[] | undefined {
  let text = address.split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail, extra] = text.split('::');
  if (extra !== undefined) return undefined;
  const parse = (part: string | undefined) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const [front, back] = [parse(head), parse(tail)];
  const words = tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  return words.length === 8 && words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffff) ? words : undefined;
}

/**
 * The IPv4 address an IPv6 one stands for where it is only a way of writing one: IPv4-mapped
 * (::ffff:a.b.c.d) and NAT64's well-known prefix (64:ff9b::a.b.c.d, RFC 6052, which DNS64 hands
 * out for IPv4-only hosts). The IPv4 address then decides.
 */
function embeddedIpv4(words: readonly number[]): string | undefined {
  const mapped = words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff;
  const nat64 = words[0] === 0x64 && words[1] === 0xff9b && words.slice(2, 6).every((w) => w === 0);
  if (!mapped && !nat64) return undefined;
  const [hi, lo] = [words[6]!, words[7]!];
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
}

/** Whether an address is a public, globally reachable unicast one: the only kind a callback may reach. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address.split('%')[0]!);
  if (family === 4) return !NOT_PUBLIC_V4.check(address, 'ipv4');
  if (family !== 6) return false;
  const words = ipv6Words(address);
  if (!words) return false;
  const v4 = embeddedIpv4(words);
  if (v4) return isPublicAddress(v4);
  const plain = address.split('%')[0]!;
  return GLOBAL_UNICAST_V6.check(plain, 'ipv6') && !NOT_PUBLIC_V6.check(plain, 'ipv6');
}
