#!/usr/bin/env bash
# Runs Loupe's annotate job (dev.loupe.job.AnnotateJob), or with `eval` first its eval job
# (dev.loupe.job.eval.EvalJob), or with `merge` first its merge job (dev.loupe.job.merge.MergeJob).
#
#   ./submit.sh                     annotate sample-data/images with the tiny demo model into out/sample-annotations
#   ./submit.sh [--input DIR|GLOB|TABLE] [--output DIR] [--model M.gguf --mmproj P.gguf] [options]
#                                   each option left out keeps the demo's value (the job prints which)
#   ./submit.sh eval                evaluate the tiny Youtu-VL test model on sample-data/refcoco-sample
#   ./submit.sh eval [--dataset TABLE] [--output DIR] [--model M.gguf --mmproj P.gguf | --predictions T] [options]
#   ./submit.sh merge --vision V.gguf --text T.gguf --out M.gguf [--type F16|BF16|Q8_0|F32|same] [--work-dir DIR]
#   ./submit.sh --master MASTER ... where the job runs (below); default local[*]
#   ./submit.sh --spark-home        assemble a Spark home from this build's jars, print its path
#   ./submit.sh --help              all job options
#
# --master:
#   local[*], local[N]        one JVM on this machine, Spark from Maven's resolved classpath
#   local-cluster[N,C,M]      N executor JVMs of C cores and M MiB on this machine: real
#                             executors, each loading the model once, without starting daemons
#   spark://host:port         a standalone cluster
# With SPARK_HOME set (a Spark 4.2 distribution), every master goes through
# $SPARK_HOME/bin/spark-submit with the shaded jar spark-job/target/loupe-spark.jar (Spark itself
# is the cluster's). Without it, local-cluster and spark:// go through SparkSubmit with a Spark
# home that this script assembles from the build's own jars (spark-job/target/spark-home: links
# to the jars in ~/.m2, no download); local[...] runs the job directly in one JVM.
# Put further spark-submit options in LOUPE_SUBMIT_OPTS, e.g.
# LOUPE_SUBMIT_OPTS="--conf spark.executor.memory=8g" (the local[...] runner takes only --conf
# and --master there), and extra flags of the driver JVM started here in LOUPE_JAVA_OPTS (e.g.
# -Xmx8g; not with SPARK_HOME, where spark-submit's --driver-java-options does that).
# The annotate job's --input, --output, --model and --mmproj default one by one to this checkout's
# demo (the job knows the checkout from -Dloupe.home, set here); `./submit.sh --help` shows them.
# SPARK_LOCAL_IP defaults to 127.0.0.1 (everything on this machine); when the driver runs here
# for a remote cluster, set it to an address the executors can reach.
# LOUPE_NO_BUILD=1 uses the jars as they are instead of rebuilding stale ones (for tests run by
# the build itself).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# JDK 25, the build when stale, say/die, loupe_job_classpath: shared with ./loupe.
source "$ROOT/bin/loupe-env.sh"
ASSEMBLED_SPARK_HOME="$ROOT/spark-job/target/spark-home"
JOB_CLASS=dev.loupe.job.AnnotateJob

# Spark binds to the machine's outside address unless told otherwise; keep a caller's choice.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# submit.sh's own options come out of the job's arguments.
master=""
print_spark_home=false
args=()
job=annotate
if [[ "${1:-}" == eval ]]; then
  job=eval
  JOB_CLASS=dev.loupe.job.eval.EvalJob
  shift
elif [[ "${1:-}" == merge ]]; then
  job=merge
  JOB_CLASS=dev.loupe.job.merge.MergeJob
  shift
fi
while [[ $# -gt 0 ]]; do
  case "$1" in
    --master) [[ $# -ge 2 ]] || die "--master needs a value: local[*], local-cluster[N,C,M] or spark://host:port"; master="$2"; shift 2 ;;
    --master=*) master="${1#--master=}"; shift ;;
    --spark-home) print_spark_home=true; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

# A Spark home made of links to this build's Spark jars, plus Loupe's logging settings: what a
# Worker needs to launch executors ($SPARK_HOME/jars, Scala version) and what SparkSubmit needs.
# Rebuilt when the build's dependencies change; assembled aside and renamed into place, so a
# concurrent run sees either the old home or the new one.
assemble_spark_home() {
  local home="$ASSEMBLED_SPARK_HOME" tmp jar
  if [[ -f "$home/.complete" && ! "$SPARK_HOME_CLASSPATH_FILE" -nt "$home/.complete" ]]; then return 0; fi
  tmp="$(mktemp -d "$home.tmp.XXXXXX")"
  mkdir -p "$tmp/jars" "$tmp/conf"
  while IFS= read -r jar; do
    [[ -f "$jar" ]] || die "$jar (listed in $SPARK_HOME_CLASSPATH_FILE) is missing: rebuild with mvn -B -DskipTests package"
    ln -s "$jar" "$tmp/jars/"
  done < <(tr ':' '\n' < "$SPARK_HOME_CLASSPATH_FILE")
  cp "$ROOT/conf/log4j2.properties" "$tmp/conf/"
  touch "$tmp/.complete"
  rm -rf "$home"
  mv -T "$tmp" "$home" 2>/dev/null || rm -rf "$tmp" # another run put its copy in place first
}

if $print_spark_home; then
  assemble_spark_home
  echo "$ASSEMBLED_SPARK_HOME"
  exit 0
fi

# Both jobs default each of their options themselves, from -Dloupe.home; the eval demo with no
# arguments at all is also kept short (the tiny model's answers are noise however long).
if [[ ${#args[@]} -eq 0 && $job == eval ]]; then
  args=(--max-tokens 24 --max-image-tokens 256)
fi
has_option() {
  local a
  for a in "${args[@]}"; do [[ "$a" == "$1" || "$a" == "$1="* ]] && return 0; done
  return 1
}
if has_option --help || has_option -h; then
  say "submit.sh's own options: --master local[*] (default) | local[N] | local-cluster[N,C,MiB] | spark://host:port,"
  say "  --spark-home (assemble a Spark home from this build's jars and print its path). The job's options follow."
fi

# "key value" lines of a Spark properties file, comments and blanks skipped.
properties() { sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e '/^$/d' "$1"; }

read -r -a submit_opts <<< "${LOUPE_SUBMIT_OPTS:-}"
read -r -a java_opts <<< "${LOUPE_JAVA_OPTS:-}"
defaults=()
while read -r key value; do defaults+=(--conf "$key=$value"); done < <(properties "$ROOT/conf/loupe-defaults.conf")
master_opts=()
[[ -n "$master" ]] && master_opts=(--master "$master")

# local-cluster[N,C,M]: executors get the workers' memory (Spark's 1g default does not fit in
# fewer than 1024 MiB, and the job would wait forever for executors), unless the caller said.
if [[ "$master" =~ ^local-cluster\[[0-9]+,[0-9]+,([0-9]+)\]$ && " ${submit_opts[*]} " != *" spark.executor.memory="* ]]; then
  master_opts+=(--conf "spark.executor.memory=${BASH_REMATCH[1]}m")
fi

if [[ -n "${SPARK_HOME:-}" ]]; then
  [[ -x "$SPARK_HOME/bin/spark-submit" ]] || die "SPARK_HOME=$SPARK_HOME has no bin/spark-submit"
  say "running with $SPARK_HOME/bin/spark-submit"
  set +e
  "$SPARK_HOME/bin/spark-submit" --class "$JOB_CLASS" \
    --driver-java-options "-Dlog4j2.configurationFile=file:$ROOT/conf/log4j2.properties -Dloupe.home=$ROOT" \
    "${defaults[@]}" "${master_opts[@]}" "${submit_opts[@]}" "$JOB_JAR" "${args[@]}"
  status=$?
elif [[ "$master" == local-cluster\[* || "$master" == spark://* ]]; then
  [[ "$master" == spark://* || "$master" =~ ^local-cluster\[[0-9]+,[0-9]+,[0-9]+\]$ ]] \
    || die "--master $master: local-cluster takes [executors,cores,MiB], e.g. local-cluster[2,1,1024]"
  assemble_spark_home
  # The Spark home's launcher code reads these; executors run on $JAVA_HOME (JDK 25).
  export SPARK_HOME="$ASSEMBLED_SPARK_HOME" SPARK_SCALA_VERSION=2.13
  say "running with SparkSubmit --master $master (Spark home assembled in $SPARK_HOME)"
  set +e
  "$JAVA_HOME/bin/java" @"$ROOT/conf/jvm-options.txt" -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" \
    -Dloupe.home="$ROOT" "${java_opts[@]}" \
    -cp "$SPARK_HOME/conf:$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
    --class "$JOB_CLASS" "${defaults[@]}" "${master_opts[@]}" "${submit_opts[@]}" "$JOB_JAR" "${args[@]}"
  status=$?
else
  [[ -z "$master" || "$master" == local || "$master" == local\[* ]] \
    || die "--master $master: use local[*], local[N], local-cluster[N,C,M] or spark://host:port"
  sysprops=()
  while read -r key value; do sysprops+=("-D$key=$value"); done < <(properties "$ROOT/conf/loupe-defaults.conf"; properties "$ROOT/conf/local-mode.conf")
  [[ -n "$master" ]] && sysprops+=("-Dspark.master=$master")
  # The few spark-submit options that make sense for one local JVM, as system properties.
  i=0
  while [[ $i -lt ${#submit_opts[@]} ]]; do
    case "${submit_opts[$i]}" in
      --master) sysprops+=("-Dspark.master=${submit_opts[$((i + 1))]}"); i=$((i + 2)) ;;
      --conf) sysprops+=("-D${submit_opts[$((i + 1))]}"); i=$((i + 2)) ;;
      *) die "LOUPE_SUBMIT_OPTS: ${submit_opts[$i]} needs SPARK_HOME or a cluster --master (only --master and --conf work locally)" ;;
    esac
  done
  classpath="$(loupe_job_classpath)"
  say "running in local mode (no SPARK_HOME) with $JAVA_HOME/bin/java"
  set +e
  "$JAVA_HOME/bin/java" @"$ROOT/conf/jvm-options.txt" -Dlog4j2.configurationFile="file:$ROOT/conf/log4j2.properties" \
    -Dloupe.home="$ROOT" "${java_opts[@]}" "${sysprops[@]}" \
    -cp "$classpath" "$JOB_CLASS" "${args[@]}"
  status=$?
fi
exit "$status"
