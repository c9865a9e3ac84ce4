#!/usr/bin/env bash
# Runs Loupe's annotate job (dev.loupe.job.AnnotateJob).
#
#   ./submit.sh                     annotate sample-data/images with the tiny demo model
#   ./submit.sh --input DIR|GLOB|TABLE --output DIR [--model M.gguf --mmproj P.gguf] [options]
#   ./submit.sh --help              all job options
#
# With SPARK_HOME set, the job goes through $SPARK_HOME/bin/spark-submit with the shaded jar
# spark-job/target/loupe-spark.jar (Spark itself is the cluster's). Put spark-submit options in
# LOUPE_SUBMIT_OPTS, e.g. LOUPE_SUBMIT_OPTS="--master spark://host:7077 --conf spark.executor.memory=8g".
# Without SPARK_HOME, the same job runs in local mode in one JVM on this machine, with Spark
# from Maven's resolved classpath; LOUPE_SUBMIT_OPTS may then hold --master M and --conf k=v,
# and LOUPE_JAVA_OPTS extra JVM flags (e.g. -Xmx8g).
# --model/--mmproj default to the demo model in sample-data/models (random weights).
# SPARK_LOCAL_IP defaults to 127.0.0.1 (everything on this machine); when the driver runs here
# for a remote cluster, set it to an address the executors can reach.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
JOB_JAR="$ROOT/spark-job/target/loupe-spark.jar"
CLASSPATH_FILE="$ROOT/spark-job/target/local-classpath.txt"
DEMO_MODEL="$ROOT/sample-data/models/smolvlm-text-q8_0.gguf"
DEMO_MMPROJ="$ROOT/sample-data/models/smolvlm-mmproj-f16.gguf"

say() { printf 'loupe: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

# Spark binds to the machine's outside address unless told otherwise; keep a caller's choice.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}
CALLER_JAVA_HOME="${JAVA_HOME:-}"
if [[ -z "${JAVA_HOME:-}" || ! -x "$JAVA_HOME/bin/java" || "$(java_major "$JAVA_HOME")" != 25 ]]; then
  JAVA_HOME="$JDK25"
fi
[[ -x "$JAVA_HOME/bin/java" ]] || die "Loupe needs JDK 25: set JAVA_HOME to one (looked in $JDK25)"
export JAVA_HOME

# Build when the jars are missing or older than any source, POM or schema.
stale() {
  [[ -f "$JOB_JAR" && -f "$CLASSPATH_FILE" ]] || return 0
  [[ -n "$(find "$ROOT/pom.xml" "$ROOT"/{engine,udf,spark-job}/pom.xml "$ROOT/schemas" \
            "$ROOT"/{engine,udf,spark-job}/src/main -newer "$JOB_JAR" -print -quit 2>/dev/null)" ]]
}
if stale; then
  say "building the jars: mvn -B -q -DskipTests package (a minute or two the first time)"
  # Maven runs on the caller's JDK; the POM forks javac from JDK 25 itself (property loupe.jdk).
  (cd "$ROOT" && JAVA_HOME="$CALLER_JAVA_HOME" mvn -B -q -DskipTests -Dloupe.jdk="$JAVA_HOME" package) || die "the build failed"
fi

# Job arguments: the demo when there are none; the demo model when no model is named.
args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
  args=(--input "$ROOT/sample-data/images" --output "$ROOT/out/sample-annotations" --mode overwrite --show 10)
fi
has_option() {
  local a
  for a in "${args[@]}"; do [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0; done
  return 1
}
if ! has_option --model && ! has_option --mmproj && ! has_option --help && ! has_option -h; then
  args+=(--model "$DEMO_MODEL" --mmproj "$DEMO_MMPROJ")
  say "model: the demo SmolVLM in sample-data/models. It has RANDOM weights: expect gibberish text."
  say "  For real captions, get the ggml-org SmolVLM GGUF pair (huggingface.co/ggml-org/SmolVLM-256M-Instruct-GGUF) and run"
  say "  ./submit.sh --model SmolVLM-256M-Instruct-Q8_0.gguf --mmproj mmproj-SmolVLM-256M-Instruct-Q8_0.gguf [--input ... --output ...]"
fi

# "key value" lines of a Spark properties file, comments and blanks skipped.
properties() { sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e '/^$/d' "$1"; }

read -r -a submit_opts <<< "${LOUPE_SUBMIT_OPTS:-}"

if [[ -n "${SPARK_HOME:-}" ]]; then
  [[ -x "$SPARK_HOME/bin/spark-submit" ]] || die "SPARK_HOME=$SPARK_HOME has no bin/spark-submit"
  defaults=()
  while read -r key value; do defaults+=(--conf "$key=$value"); done < <(properties "$ROOT/conf/loupe-defaults.conf")
  say "running with $SPARK_HOME/bin/spark-submit"
  set +e
  "$SPARK_HOME/bin/spark-submit" --class dev.loupe.job.AnnotateJob \
    --driver-java-options "-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties" \
    "${defaults[@]}" "${submit_opts[@]}" "$JOB_JAR" "${args[@]}"
  status=$?
else
  sysprops=()
  while read -r key value; do sysprops+=("-D$key=$value"); done < <(properties "$ROOT/conf/loupe-defaults.conf"; properties "$ROOT/conf/local-mode.conf")
  # The few spark-submit options that make sense for one local JVM, as system properties.
  i=0
  while [[ $i -lt ${#submit_opts[@]} ]]; do
    case "${submit_opts[$i]}" in
      --master) sysprops+=("-Dspark.master=${submit_opts[$((i + 1))]}"); i=$((i + 2)) ;;
      --conf) sysprops+=("-D${submit_opts[$((i + 1))]}"); i=$((i + 2)) ;;
      *) die "LOUPE_SUBMIT_OPTS: ${submit_opts[$i]} needs SPARK_HOME (only --master and --conf work locally)" ;;
    esac
  done
  read -r -a java_opts <<< "${LOUPE_JAVA_OPTS:-}"
  thin_jar="$(ls "$ROOT"/spark-job/target/loupe-spark-job-*.jar 2>/dev/null | head -n 1)"
  [[ -n "$thin_jar" ]] || die "no spark-job jar in spark-job/target: run mvn -B -q -DskipTests package"
  say "running in local mode (no SPARK_HOME) with $JAVA_HOME/bin/java"
  set +e
  "$JAVA_HOME/bin/java" @"$ROOT/conf/jvm-options.txt" "${java_opts[@]}" \
    -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" "${sysprops[@]}" \
    -cp "$thin_jar:$(cat "$CLASSPATH_FILE")" dev.loupe.job.AnnotateJob "${args[@]}"
  status=$?
fi
exit "$status"
