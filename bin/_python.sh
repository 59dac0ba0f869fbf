# Sourced by bin/site and bin/test: the Python that makes .venv.
#
# $PYTHON when set; else the system's own Python, when it is 3.11 or newer and can make a virtual
# environment; else python3. A distribution's Python is compiled with profile-guided optimisation, which a
# plain source build (pyenv's default, say) is not: on this project's build machine it made a cold build
# use a fifth less CPU (benchmarks/README.md, "The Python").
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    echo "$PYTHON"
    return
  fi
  local candidate
  for candidate in /usr/bin/python3 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
        && "$candidate" -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo python3
}
