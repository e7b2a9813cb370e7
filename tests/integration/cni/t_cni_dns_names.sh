#!/bin/sh
# SPDX-License-Identifier: MIT
# Names of CNI containers on nsnet's resolver, the plugin driven as Podman 4.3 (network_backend
# "cni") drives it: CNI_ARGS K8S_POD_NAME=<container name> is a name of the container (where the
# old dnsname plugin took it from), first among its names (PTR answers it); each name of the
# aliases capability is one too; a K8S_POD_NAME that is no valid name is ignored. The result's
# dns names the gateway and the domain. The names resolve when ADD returns, survive gc (they are
# in the records), and go when DEL returns; the last DEL stops the resolver.
. "$(dirname "$0")/../lib/lib.sh"
. "$(dirname "$0")/../lib/dns_lib.sh"
. "$(dirname "$0")/../lib/cni_lib.sh"

GW=10.27.0.1 NET=dnsnet
# conf [RUNTIMECONFIG]: nsnet's configuration for NET, with the aliases capability's runtimeConfig.
conf() { cni_conf 1.0.0 "$NET" "\"bridge\":\"cnidns0\",\"subnet\":\"10.27.0.0/24\"${1:+,\"runtimeConfig\":$1}"; }
RT2="{\"aliases\": {\"$NET\": [\"www\", \"web2\"]}}"
# add ID NS K8S_POD_NAME [RUNTIMECONFIG]: ADD as Podman does (its CNI_ARGS); the address.
add() {
	cni_ok ADD "$(conf "${4:-}")" CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$2" \
		CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=$3" >"$T_TMP/$1.json"
	jq -r '.ips[0].address | sub("/.*"; "")' "$T_TMP/$1.json"
}
del() { cni_ok DEL "$(conf "${4:-}")" CNI_CONTAINERID="$1" CNI_NETNS="/run/netns/$2" CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAME=$3" >/dev/null; }
for c in c1 c2 c3; do ip netns add "$c"; done

ip1=$(add cid-web1 c1 web1)
assert_eq "$(jq -cS '.dns' "$T_TMP/cid-web1.json")" "{\"domain\":\"$NET\",\"nameservers\":[\"$GW\"],\"search\":[\"$NET\"]}" \
	"dns of the result"
# The container name may come in the aliases capability too (as the dnsname plugin's users did).
ip2=$(add cid-web2 c2 web2 "$RT2")
ip3=$(add cid-odd c3 odd/name)

# Right after ADD (no waiting): the container name, under the domain, PTR, the aliases.
assert_eq "$(dns_answers c2 "$GW" web1 A)" "A $ip1" "K8S_POD_NAME as a name"
assert_eq "$(dns_answers c3 "$GW" web1.$NET A)" "A $ip1" "K8S_POD_NAME under the domain"
assert_eq "$(dns_answers c2 "$GW" "$ip1" PTR)" "PTR web1.$NET" "PTR of the container"
assert_eq "$(dns_answers c1 "$GW" web2 A)" "A $ip2" "K8S_POD_NAME also among the aliases"
assert_eq "$(dns_answers c1 "$GW" www.$NET A)" "A $ip2" "an alias of the aliases capability"
assert_eq "$(dns_answers c1 "$GW" "$ip2" PTR)" "PTR web2.$NET" "PTR: the container name first"
# odd/name is no name: ignored, so c3 has none (its address is unknown to the resolver).
assert_eq "$(dns_rcode c1 "$GW" "$ip3" PTR)" "NXDOMAIN" "PTR of a container without a valid K8S_POD_NAME"
assert_eq "$(dns_rcode c1 "$GW" odd.$NET A)" "NXDOMAIN" "part of an invalid K8S_POD_NAME"

# The names are in the records: check finds nothing, gc keeps them.
run_ok "$NSNET" check >/dev/null
run_ok "$NSNET" gc >/dev/null
assert_eq "$(dns_answers c2 "$GW" web1 A)" "A $ip1" "K8S_POD_NAME after gc"

# DEL: the names go at once (the runtime passes the same CNI_ARGS on DEL).
del cid-web1 c1 web1
assert_eq "$(dns_rcode c2 "$GW" web1 A)" "NXDOMAIN" "the name after DEL"
assert_eq "$(dns_rcode c2 "$GW" web1.$NET A)" "NXDOMAIN" "the name under the domain after DEL"
assert_eq "$(dns_rcode c2 "$GW" "$ip1" PTR)" "NXDOMAIN" "PTR after DEL"
assert_eq "$(dns_answers c3 "$GW" web2 A)" "A $ip2" "another container's name after DEL"
del cid-web2 c2 web2 "$RT2"
del cid-odd c3 odd/name
cni_net_gone "$NET"
assert_eq "$(dns_procs)" "" "a resolver after the last DEL"
for c in c1 c2 c3; do ip netns del "$c"; done
leak_check
