# shellcheck shell=bash disable=SC2154  # run, agencies: set by deploy/federation.sh
# A table-top exercise on the running sample federation: deploy/federation.sh exercise.
# Sourced by deploy/federation.sh (it uses its ctl, fail and $run); not run on its own.
#
# "Operation Harmattan", in four steps a few minutes apart: records arrive at different agencies,
# one link appears at the French police only after the coordinator relays a Senegalese record,
# one reaches the Senegalese FIU only as a hit notice, and a federation-wide search ends it. At
# each step it prints what happened, what a trainee should find and the nexusctl command that
# finds it, then checks that the federation shows exactly that. The values are new on every run
# (the run's number is in them), so the exercise can be played again on the same federation.
#
# NEXUS_EXERCISE_PAUSE  seconds between steps for the trainees (default 45; 0 for a dry run)

exercise_pause=${NEXUS_EXERCISE_PAUSE:-45}

# Prints the step's text, from a here-document on stdin, indented.
say() { sed 's/^/   /'; }

# Publishes one JSON record at AGENCY; prints its id.
exercise_publish() {
  local agency=$1 json=$2 file out
  file="$run/exercise/$agency-$(date +%s%N).jsonl"
  printf '%s\n' "$json" >"$file"
  out=$(ctl "$agency" push "$file" 2>&1) || { echo "$out" >&2; fail "publishing at $agency failed"; }
  echo "$out" | awk '$1 == "stored" { print $2; exit }'
}

# Waits (at most 60 s) until `nexusctl alerts --brief` as AGENCY shows a line matching every
# pattern given; prints that line.
exercise_await_alert() {
  local agency=$1 deadline=$((SECONDS + 60)) line pattern ok
  shift
  while :; do
    while IFS= read -r line; do
      ok=1
      for pattern in "$@"; do [[ "$line" == *"$pattern"* ]] || ok=0; done
      if [ $ok = 1 ]; then echo "$line"; return 0; fi
    done < <(ctl "$agency" alerts --brief 2>/dev/null)
    [ $SECONDS -lt $deadline ] ||
      fail "exercise: $agency was not told of a link with: $* within 60 s (logs: $run/AGENCY/nexusd.log)"
    sleep 0.5
  done
}

exercise_wait() {
  [ "$exercise_pause" -gt 0 ] || return 0
  echo "   (next step in $exercise_pause s: try the commands above meanwhile)"
  sleep "$exercise_pause"
}

exercise() {
  [[ "$exercise_pause" =~ ^[0-9]+$ ]] ||
    { echo "federation: NEXUS_EXERCISE_PAUSE must be whole seconds" >&2; exit 2; }
  local agency
  for agency in "${agencies[@]}"; do
    running_pid "$agency" >/dev/null || fail "$agency is not running: deploy/federation.sh up first"
  done
  mkdir -p "$run/exercise"
  local n phone org str fr ml
  n=$(date +%H%M%S)
  phone="+223 66 ${n:0:2} ${n:2:2} ${n:4:2}"
  org="Harmattan Logistique $n SARL"
  str="SN-CENTIF-EX-$n" fr="FR-OCRTIS-EX-$n" ml="ML-CT-EX-$n"
  echo "== Operation Harmattan (run $n): four steps; every value below is new on this run"

  echo
  echo "== step 1: the Senegalese FIU files a suspicious transaction report"
  exercise_publish sn-fiu "{\"case_reference\":\"$str\",\"tlp\":\"green\",\"distribution\":{\"scope\":\"federation\"},\"assessment\":{\"nexus_type\":\"integration\",\"watch_points\":[\"economic\"],\"source_reliability\":\"B\",\"information_credibility\":\"2\"},\"indicators\":[{\"type\":\"organization\",\"value\":\"$org\"},{\"type\":\"phone\",\"value\":\"$phone\"}],\"tags\":{\"values\":[\"mobile-money\"]},\"summary\":\"Structured mobile-money deposits into a freight company's account, withdrawn in cash near the Malian border.\"}" >/dev/null
  say <<STEP
sn-fiu published $str (GREEN): the company "$org", mobile-money
number $phone. It goes to the coordinator, which relays GREEN records to
every member. Nobody else holds either value yet: no link.
Trainee (as sn-fiu):  . $run/sn-fiu/analyst.env && nexusctl search '$phone'
STEP
  exercise_wait

  echo
  echo "== step 2: the French police open a trafficking case on the same company (AMBER)"
  exercise_publish fr-police "{\"case_reference\":\"$fr\",\"tlp\":\"amber\",\"distribution\":{\"scope\":\"group\",\"groups\":[\"region-west-africa\"]},\"assessment\":{\"nexus_type\":\"alliance\",\"watch_points\":[\"economic\",\"geography_of_operations\"],\"source_reliability\":\"B\",\"information_credibility\":\"2\"},\"indicators\":[{\"type\":\"organization\",\"value\":\"$org\"},{\"type\":\"vehicle\",\"value\":\"PLATE:AB-$n-ML\"}],\"tags\":{\"values\":[\"cocaine-trafficking\"]},\"summary\":\"Freight company moving cocaine north in trucks escorted by an armed group.\"}" >/dev/null
  local found
  found=$(exercise_await_alert fr-police "$fr" "$str" "found at fr-police")
  say <<STEP
fr-police's node links its case to the FIU's report, which reached it only because the
coordinator relayed it (sn-fiu's node accepts no connection and dials only the coordinator):
  $found
Trainee (as fr-police):  . $run/fr-police/analyst.env && nexusctl alerts --brief
STEP
  found=$(exercise_await_alert sn-fiu "$str" "HIT NOTICE" "found at wa-coord")
  say <<STEP
The coordinator holds the AMBER case too, and tells members of AMBER records only by hit
notices: the FIU learns that a police record matches its report, and whom to call, not what
it says:
  $found
Trainee (as sn-fiu):  . $run/sn-fiu/analyst.env && nexusctl alerts --brief
STEP
  exercise_wait

  echo
  echo "== step 3: the Malian CT unit records a facilitator using the same mobile-money number"
  exercise_publish ml-ct "{\"case_reference\":\"$ml\",\"tlp\":\"green\",\"distribution\":{\"scope\":\"federation\"},\"assessment\":{\"nexus_type\":\"black_hole\",\"watch_points\":[\"security_dynamics\"],\"source_reliability\":\"B\",\"information_credibility\":\"3\"},\"indicators\":[{\"type\":\"phone\",\"value\":\"$phone\"},{\"type\":\"location\",\"value\":\"Gao, northern market\"}],\"tags\":{\"values\":[\"facilitation\"]},\"summary\":\"Facilitator collecting passage fees for an armed group.\"}" >/dev/null
  found=$(exercise_await_alert wa-coord "$ml" "$str")
  say <<STEP
The nexus: a financial-intelligence report and a counter-terrorism record share the number.
The coordinator finds it:
  $found
STEP
  found=$(exercise_await_alert ml-ct "$ml" "$str")
  say <<STEP
and so does ml-ct's node, which holds the FIU's report by the coordinator's relay:
  $found
Trainee (as ml-ct):  . $run/ml-ct/analyst.env && nexusctl alerts --brief
  then draw it:       nexusctl links graph --case $ml --depth 2 --format svg --output harmattan.svg
STEP
  exercise_wait

  echo
  echo "== step 4: the FIU asks the whole federation about the company"
  say <<STEP
Trainee (as sn-fiu):  . $run/sn-fiu/analyst.env && nexusctl search '$org' --federation
STEP
  local answer
  answer=$(ctl sn-fiu search "$org" --federation) || fail "exercise: the federation-wide search failed"
  echo "$answer" | grep -E '^(record |--- |hit notice|[0-9]+ records)' | sed 's/^/     /'
  echo "$answer" | grep -q '^hit notice: the node of wa-coord' ||
    fail "exercise: the federation-wide search did not answer the coordinator's hit notice"
  say <<STEP
Its own report, and from the coordinator only a hit notice for the AMBER police case: the
value went to the coordinator (its search peer), which audited who asked, for which agency,
and a digest of the value.
Auditor (as wa-coord):  . $run/wa-coord/auditor.env && nexusctl audit list --action federated_search
STEP
  echo
  echo "== Operation Harmattan done: every step found what it should"
}
