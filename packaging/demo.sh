#!/usr/bin/env bash
# Quick start 1: set everything up and run the demo.
#
# Starts, all on loopback: ferry-controlplane, one ferry-agent tunnelling to
# it over a WebSocket with mutual TLS (no broker: the one-host setup), and a
# webhook receiver standing in for the CRM; posts sample
# IDocs the way SAP's XML-HTTP port does; shows each one arriving; then shows
# what SAP is told for bad input and where to look next; and ends with the
# control plane's console running (its address, a demo user and password
# printed) until Ctrl-C, to click through what the demo just did.
# FERRY_DEMO_WAIT=0 (or no terminal on stdin) stops at the end instead.
# FERRY_DEMO_TRANSPORT=mqtt runs a mosquitto broker as shipped and tunnels
# through it instead, as a fleet that scales through a broker does.
set -euo pipefail
transport="${FERRY_DEMO_TRANSPORT:-websocket}"
case "$transport" in
  websocket | mqtt) ;;
  *) echo "demo.sh: FERRY_DEMO_TRANSPORT must be websocket or mqtt (got '$transport')" >&2; exit 2 ;;
esac
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/build.sh" >/dev/null
bin="$root/build"
demo="$root/build/demo"
rm -rf "$demo" && mkdir -p "$demo"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mqtt_port=$(free_port); http_port=$(free_port); sink_port=$(free_port); crm_port=$(free_port)
enroll_port=$(free_port); console_port=$(free_port); tunnel_port=$(free_port)

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"$bin/controlplane/ferry-controlplane" flows keygen --out "$demo/flows-signing.key" >/dev/null

cat > "$demo/controlplane.yaml" <<CONF
controlplane:
  id: demo-cp
  data_dir: $demo/controlplane
store:
  map_size: 512MiB
  max_bytes: 128MiB
$(if [ "$transport" = mqtt ]; then printf 'mqtt:\n  broker: ssl://127.0.0.1:%s\n' "$mqtt_port"; else
  printf 'websocket:                       # agents tunnel here; enrolled agents are told wss://127.0.0.1:%s\n  listen: 127.0.0.1:%s\n  hosts: [127.0.0.1]\n' "$tunnel_port" "$tunnel_port"; fi)
fleet:
  enrollment:
    listen: 127.0.0.1:$enroll_port
    hosts: [127.0.0.1]
delivery:
  connector: webhook
connectors:
  webhook:
    url: http://127.0.0.1:$sink_port/crm
  salesforce:                    # ferry-crm-sim stands in for Salesforce ...
    login_url: http://127.0.0.1:$crm_port
    client_id: ferry-sf
    client_secret_file: $demo/salesforce.secret
  dataverse:                     # ... and for Dataverse (and Entra ID)
    org_url: http://127.0.0.1:$crm_port
    token_url: http://127.0.0.1:$crm_port/demo-tenant/oauth2/v2.0/token
    client_id: ferry-dv
    client_secret_file: $demo/dataverse.secret
flows:
  signing_key_file: $demo/flows-signing.key
  poll_interval: 200ms
console:
  listen: 127.0.0.1:$console_port
  hosts: [127.0.0.1, localhost]
CONF
printf 'sf-secret\n' > "$demo/salesforce.secret" && chmod 600 "$demo/salesforce.secret"
printf 'dv-secret\n' > "$demo/dataverse.secret" && chmod 600 "$demo/dataverse.secret"
# Id, broker, certificate, CA and bundle key come from enrollment below.
cat > "$demo/agent.yaml" <<CONF
agent:
  data_dir: $demo/agent
store:
  map_size: 512MiB
  max_bytes: 128MiB
sources:
  idoc_http:
    listen: 127.0.0.1:$http_port
    path: /sap/idoc
uplink:
  transport: $transport
CONF

# With FERRY_DEMO_TRANSPORT=mqtt, the broker as Ferry ships it (mutual TLS,
# per-agent ACL), with a certificate from the control plane's CA and this
# demo's paths.
if [ "$transport" = mqtt ]; then
"$bin/controlplane/ferry-controlplane" pki issue-server --name broker --host 127.0.0.1 \
  --out "$demo/broker.pem" --config "$demo/controlplane.yaml" >/dev/null
sed -e "s|^listener .*|listener $mqtt_port 127.0.0.1|" \
  -e "s|^acl_file .*|acl_file $root/packaging/mosquitto/ferry.acl|" \
  -e "s|^persistence_location .*|persistence_location $demo/|" \
  -e "s|^cafile .*|cafile $demo/controlplane/pki/ca.crt|" \
  -e "s|^crlfile .*|crlfile $demo/controlplane/pki/crl.pem|" \
  -e "s|^certfile .*|certfile $demo/broker.pem|" \
  -e "s|^keyfile .*|keyfile $demo/broker.pem|" \
  "$root/packaging/mosquitto/ferry.conf" >"$demo/mosquitto.conf"
echo "user $(id -un)" >>"$demo/mosquitto.conf"
mosquitto -c "$demo/mosquitto.conf" >"$demo/mosquitto.log" 2>&1 & pids+=($!)
fi

# The console's demo user, an admin with a fresh random password.
console_password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')
printf '%s\n' "$console_password" > "$demo/console.password" && chmod 600 "$demo/console.password"
"$bin/controlplane/ferry-controlplane" users add demo --role admin --password-file "$demo/console.password" \
  --config "$demo/controlplane.yaml" >/dev/null

"$bin/tests/ferry-webhook-sink" --port "$sink_port" >"$demo/crm.log" 2>&1 & pids+=($!)
"$bin/tests/ferry-crm-sim" --port "$crm_port" --latency-ms 20 >"$demo/crm-sim.log" 2>&1 & pids+=($!)
"$bin/controlplane/ferry-controlplane" run --config "$demo/controlplane.yaml" >"$demo/controlplane.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
  curl -sk -o /dev/null "https://127.0.0.1:$enroll_port/v1/enroll/ca" && break
  sleep 0.1
done
# Enrollment as field IT does it: a one-time token from the control plane,
# `ferry-agent enroll` on the agent's host.
token=$("$bin/controlplane/ferry-controlplane" agents add demo-plant-01 --labels site=demo \
  --config "$demo/controlplane.yaml" 2>/dev/null)
mkdir -p "$demo/agent"
"$bin/agent/ferry-agent" enroll --token "$token" --url "https://127.0.0.1:$enroll_port" \
  --config "$demo/agent.yaml" >"$demo/enroll.log"
"$bin/agent/ferry-agent" run --config "$demo/agent.yaml" >"$demo/agent.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$http_port/" && break
  sleep 0.1
done

if [ "$transport" = mqtt ]; then
  tunnel="MQTT over mutual TLS through mosquitto (127.0.0.1:$mqtt_port)"
else
  tunnel="a WebSocket with mutual TLS, no broker (127.0.0.1:$tunnel_port)"
fi
echo "Ferry demo: SAP -> ferry-agent (127.0.0.1:$http_port) -> $tunnel -> ferry-controlplane -> CRM webhook (127.0.0.1:$sink_port)"
echo "The agent enrolled with a one-time token: $(head -n 1 "$demo/enroll.log")"
echo
echo "Posting IDocs as SAP's XML-HTTP port does:"
post() {  # file content-type
  local code
  code=$(curl -s -o "$demo/last-answer.txt" -w '%{http_code}' -H "Content-Type: $2" \
    --data-binary @"$root/tests/fixtures/idoc/$1" "http://127.0.0.1:$http_port/sap/idoc")
  printf '  %-28s -> HTTP %s  %s\n' "$1" "$code" "$(head -c 110 "$demo/last-answer.txt")"
}
post debmas05_customer.xml "text/xml"
post debmas05_customer_change.xml "text/xml"
post matmas05_material.xml "application/x-sap.idoc"
post orders05_order.xml "text/xml; charset=utf-8"
post invoic02_invoice.xml "text/xml"
post cond_a03_price.xml "text/xml"
post delvry07_despatch.xml "text/xml"
post debmas_packet_3.xml "text/xml"
post debmas05_latin1.xml "text/xml; charset=ISO-8859-1"
echo "  (the same customer IDoc again, as SAP's RBDAGAIN would resend it after status 02:)"
post debmas05_customer.xml "text/xml"

expected=11  # 8 single IDocs + a packet of 3; the resend is not delivered again
for _ in $(seq 100); do
  [ "$(grep -c '^received' "$demo/crm.log" || true)" -ge "$expected" ] && break
  sleep 0.1
done
echo
echo "Arrived at the CRM webhook (one line per IDoc):"
grep '^received' "$demo/crm.log" | sed 's/^/  /'
echo
echo "What SAP is told for bad input (nothing is stored):"
bad() {  # label content-type body
  local code
  code=$(curl -s -o "$demo/last-answer.txt" -w '%{http_code}' -H "Content-Type: $2" --data-binary "$3" \
    "http://127.0.0.1:$http_port/sap/idoc")
  printf '  %-22s -> HTTP %s  %s\n' "$1" "$code" "$(head -c 120 "$demo/last-answer.txt")"
}
bad "truncated XML" "text/xml" '<DEBMAS05><IDOC BEGIN="1"><EDI_DC40 SEGMENT="1">'
bad "no control record" "text/xml" '<DEBMAS05><IDOC BEGIN="1"><E1KNA1M SEGMENT="1"/></IDOC></DEBMAS05>'
bad "XXE attempt" "text/xml" '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
bad "wrong content type" "application/json" '{"idoc":1}'

echo
echo "Flows: map customers to Salesforce and Dataverse accounts and contacts at the agent; the"
echo "control plane upserts them (ferry-crm-sim, 127.0.0.1:$crm_port, stands in for both CRMs)."
echo "A customer's bundle extends the shipped standard flow and changes only what it must:"
mkdir -p "$demo/bundle"
cat > "$demo/bundle/customers.yaml" <<'FLOW'
flow: demo-customers
extends: debmas-account-salesforce
records:
  - name: account
    fields:
      Name: NAME1
      Demo_Source__c: { const: ferry-demo }
FLOW
cat > "$demo/bundle/customers-dataverse.yaml" <<'FLOW'
flow: demo-customers-dataverse
extends: debmas-account-dataverse
FLOW
sed 's/^/    /' "$demo/bundle/customers.yaml"
echo "    ---"
sed 's/^/    /' "$demo/bundle/customers-dataverse.yaml"
cli="$bin/controlplane/ferry-controlplane"
std="$root/flows/standard"
echo "  Its delta from the standard (flows diff):"
"$cli" flows diff --bundle "$demo/bundle" --standard "$std" | sed 's/^/    /'
echo "  Tried locally on an IDoc first, nothing sent (ferry-agent flow test):"
"$bin/agent/ferry-agent" flow test --bundle "$demo/bundle" --standard "$std" \
  --input "$root/tests/fixtures/idoc/debmas07_customer_full.xml" | cut -c1-150 | sed 's/^/    /'
echo "  Signed and deployed to the agents labelled site=demo:"
"$cli" flows deploy --config "$demo/controlplane.yaml" --bundle "$demo/bundle" --standard "$std" \
  --selector site=demo | sed 's/^/    /'
for _ in $(seq 100); do
  "$cli" flows status --config "$demo/controlplane.yaml" | grep -q 'applied' && break
  sleep 0.2
done
"$cli" flows status --config "$demo/controlplane.yaml" | sed 's/^/    /'
post debmas07_customer_full.xml "text/xml"
post debmas07_unmapped_country.xml "text/xml"
post debmas05_customer_change.xml "text/xml"
records() { curl -s "http://127.0.0.1:$crm_port/_sim/salesforce/$1"; }
dv_records() { curl -s "http://127.0.0.1:$crm_port/_sim/dataverse/$1"; }
for _ in $(seq 100); do
  [ "$(records Contact | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -ge 3 ] && break
  sleep 0.1
done
sleep 0.5
echo "  In Salesforce now (read back from the simulator):"
records Account | python3 -c '
import sys, json
for r in json.load(sys.stdin):
    f = r["fields"]
    print("    Account %s  %s=%s  Name=%r  writes=%d" % (r["id"], "SAP_Customer_Number__c", f.get("SAP_Customer_Number__c"), f.get("Name"), len(r["_history"])))'
records Contact | python3 -c '
import sys, json
for r in json.load(sys.stdin):
    f = r["fields"]
    print("    Contact %s  %s %s  AccountId=%s" % (r["id"], f.get("FirstName"), f.get("LastName"), f.get("AccountId")))'
for _ in $(seq 50); do
  [ "$(dv_records contacts | python3 -c 'import sys,json; print(len(json.load(sys.stdin)))')" -ge 3 ] && break
  sleep 0.1
done
echo "  In Dataverse now:"
dv_records accounts | python3 -c '
import sys, json
for r in json.load(sys.stdin):
    f = r["fields"]
    print("    account %s  accountnumber=%s  name=%r  writes=%d" % (r["id"], f.get("accountnumber"), f.get("name"), len(r["_history"])))'
dv_records contacts | python3 -c '
import sys, json
for r in json.load(sys.stdin):
    f = r["fields"]
    print("    contact %s  %s %s  parentcustomerid=%s" % (r["id"], f.get("firstname"), f.get("lastname"), f.get("_parentcustomerid_value")))'
echo "  The customer whose country has no Salesforce code is dead-lettered with the reason:"
"$cli" dlq list --config "$demo/controlplane.yaml" | cut -c1-200 | sed 's/^/    /'
agent="$bin/agent/ferry-agent"
echo "  At the agent, field IT finds it by IDoc number (ferry-agent queue ls, trace):"
for _ in $(seq 50); do
  "$agent" queue ls --state dead-letter --json --config "$demo/agent.yaml" | grep -q '"docnum"' && break
  sleep 0.1
done
"$agent" queue ls --state dead-letter --config "$demo/agent.yaml" | cut -c1-200 | sed 's/^/    /'
dead_docnum=$("$agent" queue ls --state dead-letter --json --config "$demo/agent.yaml" |
  python3 -c 'import sys,json; e=json.load(sys.stdin)["events"]; print(e[0]["docnum"] if e else "")')
if [ -n "$dead_docnum" ]; then
  "$agent" trace "$dead_docnum" --config "$demo/agent.yaml" | cut -c1-200 | sed 's/^/    /'
fi
echo "  The agent's own view (ferry-agent status):"
"$agent" status --config "$demo/agent.yaml" | sed 's/^/    /'

echo
"$cli" status --config "$demo/controlplane.yaml" | sed 's/^/  /'
cat <<TEXT

Where to look next:
  logs:             $demo/{agent,controlplane,crm,crm-sim}.log (and mosquitto.log with FERRY_DEMO_TRANSPORT=mqtt)
  CRM records:      curl http://127.0.0.1:$crm_port/_sim/salesforce/Account  (or /_sim/dataverse/accounts)
  delivery status:  $bin/controlplane/ferry-controlplane status --config $demo/controlplane.yaml
  dead letters:     $bin/controlplane/ferry-controlplane dlq list --config $demo/controlplane.yaml
  at the agent:     $bin/agent/ferry-agent queue ls --config $demo/agent.yaml  (show, trace, retry: README.md)
  flow bundles:     $bin/controlplane/ferry-controlplane flows status --config $demo/controlplane.yaml
  the fleet:        $bin/controlplane/ferry-controlplane agents ls --config $demo/controlplane.yaml
  configuration:    docs/configuration.md; flows: docs/flows.md; architecture: docs/architecture.md
TEXT

if [ "${FERRY_DEMO_WAIT:-1}" = 0 ] || [ ! -t 0 ]; then exit 0; fi
cat <<TEXT

The console is running: https://127.0.0.1:$console_port/
  user: demo   password: $console_password
  Its certificate is from this demo's own CA: trust $demo/controlplane/pki/ca.crt
  in the browser, or accept the warning once.
Press Ctrl-C to stop everything.
TEXT
wait
