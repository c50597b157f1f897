# Sourced by .ci/run and bench/run: exports JAVA_HOME of a JDK 21 or newer (Debian 12's default java is 17).
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 |
    awk -F'= ' '/java.specification.version/ {split($2, v, "."); print v[1]}'
}

find_jdk() {
  local found="" candidate
  for candidate in /usr/lib/jvm/*/; do
    candidate=${candidate%/}
    if [ -x "$candidate/bin/javac" ] && [ "$(java_major "$candidate/bin/java")" -ge 21 ]; then
      found=$candidate
    fi
  done
  echo "$found"
}

if [ -z "${JAVA_HOME:-}" ] || [ ! -x "$JAVA_HOME/bin/javac" ] || [ "$(java_major "$JAVA_HOME/bin/java")" -lt 21 ]; then
  JAVA_HOME=$(find_jdk)
  if [ -z "$JAVA_HOME" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "no JDK 21+ found; trying Debian's packages" >&2
    apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-21-jdk-headless >&2 ||
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q openjdk-25-jdk-headless >&2 || true
    JAVA_HOME=$(find_jdk)
  fi
  [ -n "$JAVA_HOME" ] || { echo "Sluice needs a JDK 21 or newer: install one and set JAVA_HOME" >&2; exit 1; }
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
