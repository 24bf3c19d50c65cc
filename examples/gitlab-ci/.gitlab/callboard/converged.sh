#!/usr/bin/env bash
# After an apply, nothing may be left to do: `callboard plan --detailed-exitcode` must exit 0.
# Exit 2 (changes remain: a change the apply skipped, or someone edited a live object at the
# same moment) fails the job and shows what is left, in the log and in left.md for a comment.
# Platform-neutral: the GitHub and GitLab recipes carry the same file.
set -uo pipefail
callboard plan --detailed-exitcode --format markdown > left.md
code=$?
case "$code" in
  0)
    echo "Nothing left to apply: live objects match the manifests."
    ;;
  2)
    echo "After the apply, the plan still has changes; nothing more was applied:"
    cat left.md
    echo "Find out why (the apply log above, or an edit made meanwhile), then re-plan."
    exit 1
    ;;
  *)
    echo "Could not check what is left after the apply (callboard plan exited $code)."
    exit "$code"
    ;;
esac
