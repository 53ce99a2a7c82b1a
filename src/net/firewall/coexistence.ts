// Other firewalls on the host, as nf_tables shows them (iptables-nft, Docker,
// firewalld, plain nft rulesets). A drop in any base chain is final, whatever
// netplumb's own table accepts, and netplumb never edits another table; so it
// finds what would drop its bridges' forwarded traffic and says so, with the
// narrow accept the administrator can add where it belongs.
import type { Nftables } from '../../nft/nftables';
import type { Chain, Expression, Rule, Table } from '../../nft/types';
import type { CoexistenceProblem } from './types';

function ifnameOf(e: Expression): string | undefined {
  const data = e.data as Buffer | undefined;
  return Buffer.isBuffer(data) ? data.toString('latin1').replace(/\0.*$/s, '') : undefined;
}

/** Whether a rule accepts traffic by interface name matching a netplumb bridge (exactly or by a prefix like "np"). */
function acceptsBridge(rule: Rule, bridges: string[], direction: 'iifname' | 'oifname'): boolean {
  const ex = rule.expressions;
  const verdict = ex.find((e) => e.expr === 'immediate' && e.verdict !== undefined);
  if (verdict?.verdict !== 'accept') return false;
  // meta iifname/oifname into a register, then a cmp eq on it (exact, or a prefix match as `iifname "np*"`).
  for (let i = 0; i + 1 < ex.length; i++) {
    const load = ex[i];
    if (load.expr !== 'meta' || load.key !== direction) continue;
    const cmp = ex[i + 1];
    if (cmp.expr !== 'cmp' || cmp.op !== 'eq' || cmp.sreg !== load.dreg) continue;
    const name = ifnameOf(cmp);
    if (name === undefined) continue;
    if (bridges.length > 0 && bridges.every((b) => b === name || b.startsWith(name))) return true;
  }
  return false;
}

/**
 * Problems other tables cause for netplumb's bridges (`nft list ruleset`,
 * read only): forward chains with policy drop that do not accept them,
 * Docker's and firewalld's tables.
 */
export async function findCoexistenceProblems(nft: Nftables, bridges: string[]): Promise<CoexistenceProblem[]> {
  const problems: CoexistenceProblem[] = [];
  const tables = (await nft.listTables()).filter((t: Table) => !t.owned);
  for (const t of tables) {
    if (!['ip', 'inet', 'ip6'].includes(t.family)) continue;
    const chains = await nft.listChains({ family: t.family, name: t.name });
    const names = new Set(chains.map((c) => c.name));
    if (t.family === 'ip' && t.name === 'filter' && (names.has('DOCKER') || names.has('DOCKER-USER') || names.has('DOCKER-FORWARD')))
      problems.push({
        kind: 'docker', where: `table ip ${t.name}`,
        message: 'Docker\'s iptables rules are installed; Docker sets the FORWARD policy to drop, which drops forwarded traffic of netplumb\'s bridges unless accepted in DOCKER-USER',
        remedy: `iptables -I DOCKER-USER -i np+ -j ACCEPT && iptables -I DOCKER-USER -o np+ -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT`,
      });
    if (t.name === 'firewalld')
      problems.push({
        kind: 'firewalld', where: `table ${t.family} ${t.name}`,
        message: 'firewalld is active; it rejects forwarded traffic of interfaces outside its zones',
        remedy: `firewall-cmd --permanent --zone=trusted --add-interface=<bridge> for each netplumb bridge (${bridges.join(', ') || 'np0'}), then firewall-cmd --reload`,
      });
    for (const c of chains.filter((ch: Chain) => ch.hook === 'forward' && ch.policy === 'drop')) {
      const rules = await nft.listRules({ family: t.family, name: t.name }, c.name);
      const inOk = rules.some((r) => acceptsBridge(r, bridges, 'iifname'));
      const outOk = rules.some((r) => acceptsBridge(r, bridges, 'oifname'));
      if (inOk && outOk) continue;
      const iptables = t.family === 'ip' && t.name === 'filter';
      problems.push({
        kind: 'forward-policy-drop',
        where: `table ${t.family} ${t.name} chain ${c.name}`,
        message: `chain ${c.name} of table ${t.family} ${t.name} has policy drop and does not accept ${!inOk && !outOk ? 'traffic to or from' : !inOk ? 'traffic from' : 'traffic to'} netplumb's bridges: containers will not reach other hosts and published ports will not be reachable from them (netplumb does not change other tables)`,
        remedy: iptables
          ? 'iptables -I FORWARD -i np+ -j ACCEPT && iptables -I FORWARD -o np+ -m conntrack --ctstate RELATED,ESTABLISHED,DNAT -j ACCEPT'
          : `nft insert rule ${t.family} ${t.name} ${c.name} iifname "np*" accept; nft insert rule ${t.family} ${t.name} ${c.name} oifname "np*" ct state related,established accept; nft insert rule ${t.family} ${t.name} ${c.name} oifname "np*" ct status dnat accept`,
      });
    }
  }
  return problems;
}
