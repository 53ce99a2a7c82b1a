#include "napi/constants.h"

#include <cstddef>

// First, so that linux/in.h (pulled in by the netfilter headers) defers to libc.
#include <netinet/in.h>

#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sys/socket.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_bridge.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>

#define NP_CONST(name) out[#name] = Value(name)

namespace np {

Object kernelConstants() {
  Object out;
  NP_CONST(NETLINK_ROUTE);
  NP_CONST(NETLINK_NETFILTER);
  NP_CONST(NFNLGRP_NFTABLES);
  NP_CONST(AF_UNSPEC);
  NP_CONST(AF_INET);
  NP_CONST(AF_INET6);
  NP_CONST(AF_BRIDGE);
  NP_CONST(RTNLGRP_LINK);
  NP_CONST(RTNLGRP_NEIGH);
  NP_CONST(RTNLGRP_IPV4_IFADDR);
  NP_CONST(RTNLGRP_IPV6_IFADDR);
  NP_CONST(RTNLGRP_IPV4_ROUTE);
  NP_CONST(RTNLGRP_IPV6_ROUTE);
  NP_CONST(IFF_UP);
  NP_CONST(IFF_LOWER_UP);
  NP_CONST(IFF_RUNNING);
  NP_CONST(IFF_LOOPBACK);
  NP_CONST(IFF_BROADCAST);
  NP_CONST(IFF_MULTICAST);
  NP_CONST(IFF_NOARP);
  NP_CONST(IFF_PROMISC);
  NP_CONST(RT_TABLE_MAIN);
  NP_CONST(RT_TABLE_LOCAL);
  NP_CONST(RT_SCOPE_UNIVERSE);
  NP_CONST(RT_SCOPE_LINK);
  NP_CONST(RT_SCOPE_HOST);
  NP_CONST(RT_SCOPE_NOWHERE);
  NP_CONST(RTN_UNICAST);
  NP_CONST(RTN_LOCAL);
  NP_CONST(RTN_BLACKHOLE);
  NP_CONST(RTN_UNREACHABLE);
  NP_CONST(RTN_PROHIBIT);
  NP_CONST(RTPROT_BOOT);
  NP_CONST(RTPROT_STATIC);
  NP_CONST(RTPROT_KERNEL);
  NP_CONST(NUD_PERMANENT);
  NP_CONST(NUD_REACHABLE);
  NP_CONST(NUD_STALE);
  NP_CONST(NUD_NOARP);
  NP_CONST(NTF_SELF);
  NP_CONST(NTF_MASTER);
  NP_CONST(NSFS_MAGIC);
  // Message framing, for tests that build or read raw netlink messages.
  NP_CONST(NLMSG_ERROR);
  NP_CONST(NLMSG_DONE);
  NP_CONST(NLM_F_REQUEST);
  NP_CONST(NLM_F_MULTI);
  NP_CONST(NLM_F_ACK);
  NP_CONST(NLM_F_DUMP);
  NP_CONST(NLM_F_DUMP_INTR);
  NP_CONST(NLM_F_CREATE);
  NP_CONST(NLM_F_EXCL);
  NP_CONST(NLM_F_REPLACE);
  NP_CONST(NLM_F_ACK_TLVS);
  NP_CONST(NLMSGERR_ATTR_MSG);
  // Message and attribute layout, for the tests that compare our bytes with iproute2's.
  NP_CONST(NLA_F_NESTED);
  NP_CONST(RTM_NEWLINK);
  NP_CONST(RTM_GETLINK);
  NP_CONST(RTM_NEWADDR);
  NP_CONST(RTM_NEWROUTE);
  NP_CONST(RTM_NEWNEIGH);
  NP_CONST(IFLA_ADDRESS);
  NP_CONST(IFLA_IFNAME);
  NP_CONST(IFLA_MTU);
  NP_CONST(IFLA_LINKINFO);
  NP_CONST(IFLA_INFO_KIND);
  NP_CONST(IFLA_INFO_DATA);
  NP_CONST(IFLA_MAX);
  NP_CONST(RTM_GETADDR);
  NP_CONST(RTM_GETROUTE);
  NP_CONST(RTM_GETNEIGH);
  NP_CONST(IFLA_NET_NS_FD);
  NP_CONST(IFLA_INFO_SLAVE_KIND);
  NP_CONST(IFLA_INFO_SLAVE_DATA);
  NP_CONST(VETH_INFO_PEER);
  // Link messages, for the listing decoder in src/netlink/link-decode.ts
  // (large listings are decoded from the reply bytes on the JS thread).
  NP_CONST(NLA_TYPE_MASK);
  NP_CONST(IFLA_BROADCAST);
  NP_CONST(IFLA_MIN_MTU);
  NP_CONST(IFLA_MAX_MTU);
  NP_CONST(IFLA_PERM_ADDRESS);
  NP_CONST(IFLA_MASTER);
  NP_CONST(IFLA_LINK);
  NP_CONST(IFLA_LINK_NETNSID);
  NP_CONST(IFLA_TXQLEN);
  NP_CONST(IFLA_IFALIAS);
  NP_CONST(IFLA_OPERSTATE);
  NP_CONST(IFLA_CARRIER);
  NP_CONST(IFLA_GROUP);
  NP_CONST(IFLA_PROMISCUITY);
  NP_CONST(IFLA_NUM_TX_QUEUES);
  NP_CONST(IFLA_NUM_RX_QUEUES);
  NP_CONST(IFLA_STATS64);
  NP_CONST(IF_OPER_UNKNOWN);
  NP_CONST(IF_OPER_NOTPRESENT);
  NP_CONST(IF_OPER_DOWN);
  NP_CONST(IF_OPER_LOWERLAYERDOWN);
  NP_CONST(IF_OPER_TESTING);
  NP_CONST(IF_OPER_DORMANT);
  NP_CONST(IF_OPER_UP);
  out["offsetof_ifinfomsg_ifi_family"] = Value(offsetof(ifinfomsg, ifi_family));
  out["offsetof_ifinfomsg_ifi_type"] = Value(offsetof(ifinfomsg, ifi_type));
  out["offsetof_ifinfomsg_ifi_index"] = Value(offsetof(ifinfomsg, ifi_index));
  out["offsetof_ifinfomsg_ifi_flags"] = Value(offsetof(ifinfomsg, ifi_flags));
  out["sizeof_rtnl_link_stats64"] = Value(sizeof(rtnl_link_stats64));
#define NP_STATS64(field) out["offsetof_rtnl_link_stats64_" #field] = Value(offsetof(rtnl_link_stats64, field))
  NP_STATS64(rx_packets);
  NP_STATS64(tx_packets);
  NP_STATS64(rx_bytes);
  NP_STATS64(tx_bytes);
  NP_STATS64(rx_errors);
  NP_STATS64(tx_errors);
  NP_STATS64(rx_dropped);
  NP_STATS64(tx_dropped);
  NP_STATS64(multicast);
  NP_STATS64(collisions);
  NP_STATS64(rx_over_errors);
  NP_STATS64(rx_crc_errors);
  NP_STATS64(rx_frame_errors);
  NP_STATS64(rx_fifo_errors);
  NP_STATS64(rx_missed_errors);
  NP_STATS64(tx_aborted_errors);
  NP_STATS64(tx_carrier_errors);
  NP_STATS64(tx_fifo_errors);
  NP_STATS64(rx_nohandler);
#undef NP_STATS64
  out["sizeof_nlmsghdr"] = Value(sizeof(nlmsghdr));
  out["sizeof_ifinfomsg"] = Value(sizeof(ifinfomsg));
  out["sizeof_ifaddrmsg"] = Value(sizeof(ifaddrmsg));
  out["sizeof_rtmsg"] = Value(sizeof(rtmsg));
  out["sizeof_ndmsg"] = Value(sizeof(ndmsg));
  // nf_tables: registers, data limits, and the values rules compare with.
  NP_CONST(NFNL_SUBSYS_NFTABLES);
  NP_CONST(NFT_REG_VERDICT);
  NP_CONST(NFT_REG_1);
  NP_CONST(NFT_REG32_00);
  NP_CONST(NFT_REG32_15);
  NP_CONST(NFT_REG_SIZE);
  NP_CONST(NFT_REG32_SIZE);
  NP_CONST(NFT_DATA_VALUE_MAXLEN);
  NP_CONST(NFT_DATA_VERDICT);
  NP_CONST(NFT_NAME_MAXLEN);
  NP_CONST(NFT_USERDATA_MAXLEN);
  NP_CONST(NFPROTO_IPV4);
  NP_CONST(NFPROTO_IPV6);
  NP_CONST(IPPROTO_TCP);
  NP_CONST(IPPROTO_UDP);
  NP_CONST(IPPROTO_ICMP);
  NP_CONST(IPPROTO_ICMPV6);
  NP_CONST(IPPROTO_SCTP);
  NP_CONST(IFNAMSIZ);
  NP_CONST(ETH_P_IP);
  NP_CONST(ETH_P_IPV6);
  NP_CONST(ETH_P_ARP);
  NP_CONST(NF_BR_PRI_FILTER_BRIDGED);
  NP_CONST(NF_IP_PRI_RAW);
  NP_CONST(NF_IP_PRI_MANGLE);
  NP_CONST(NF_IP_PRI_NAT_DST);
  NP_CONST(NF_IP_PRI_FILTER);
  NP_CONST(NF_IP_PRI_SECURITY);
  NP_CONST(NF_IP_PRI_NAT_SRC);
  // ct state bits as the ct expression loads them.
  NP_CONST(NF_CT_STATE_INVALID_BIT);
  NP_CONST(NF_CT_STATE_UNTRACKED_BIT);
  out["NF_CT_STATE_ESTABLISHED_BIT"] = Value(NF_CT_STATE_BIT(IP_CT_ESTABLISHED));
  out["NF_CT_STATE_RELATED_BIT"] = Value(NF_CT_STATE_BIT(IP_CT_RELATED));
  out["NF_CT_STATE_NEW_BIT"] = Value(NF_CT_STATE_BIT(IP_CT_NEW));
  // ct status bits (`ct status dnat`).
  NP_CONST(IPS_SRC_NAT);
  NP_CONST(IPS_DST_NAT);
  // sock_diag: listening and bound sockets (host-port conflicts).
  NP_CONST(NETLINK_SOCK_DIAG);
  NP_CONST(SOCK_DIAG_BY_FAMILY);
  NP_CONST(TCP_LISTEN);
  NP_CONST(TCP_CLOSE);
  NP_CONST(TCP_ESTABLISHED);
  return out;
}

}  // namespace np
