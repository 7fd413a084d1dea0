export const evalHelp = `Usage: vigil eval DATASET... [options]

Runs labelled datasets through the guard and reports how it did: confusion matrix, precision,
recall, F1, false-positive rate and accuracy at the policy's thresholds; ROC AUC, PR AUC
(average precision), the best-F1 threshold and the threshold meeting --target-fpr; the same per
slice; recall per dataset category; latency. Every bad row is counted and listed, never dropped,
and the run goes on: unlabelled (no label), invalid (malformed, no text, a label value not
recognised) or failed (the guard could not judge it). Only a file of another kind stops the run.

Datasets (JSONL, JSON array or CSV with a header; .gz is unpacked):
  --preset NAME             xstest, openai-moderation, toxicchat, aegis2 or beavertails (their
                            own fields; how each one's categories map to S-codes: the guide
                            docs/guide/eval.md, or presetCategoryCodes in @vigil/cli)
  --text-field NAME         the text judged (default text; with a "messages" field and no
                            --text-field, the conversation is judged)
  --label-field NAME        the label (default label): safe/unsafe, 0/1, true/false
  --unsafe-value VALUE      label values that mean unsafe (repeatable); every other is safe
  --category-field NAME     category labels (codes like S9, Llama Guard names, or your own)
  --language-field NAME     a language slice
  --slice-field NAME        another slice (repeatable), e.g. source
  --id-field NAME           the row id (default id)
  --role user|assistant     judge the prompt (default) or the answer: with assistant the
                            conversation is --text-field then --response-field (default response)
  --response-field NAME     the answer judged under --role assistant

Rows:
  --limit N                 only the first N labelled rows (after --sample)
  --sample N                N rows chosen at random (reproducible with --seed; default seed 1)
  --seed S                  the seed of --sample

Output:
  --format FORMAT           table (default on a terminal), json (default otherwise) or html
                            (default: from the --output extension)
  --output FILE             write the report to FILE instead of stdout
  --per-row FILE            write every row's outcome as JSON Lines (they reproduce the summary)
  --resume                  continue a run from its --per-row FILE: rows in it are not classified
                            again
  --show-text               include the judged text of false positives and negatives in the
                            report and the per-row file (moderated text is sensitive)
  --target-fpr RATE         also report the threshold meeting this false-positive rate
  --write-policy FILE       write a policy file with thresholds tuned for the best F1 (or for
                            --target-fpr), one per category where it helps, figures as comments
  --no-progress             no progress display on stderr
  -h, --help                show this help

Compare (the same rows, one table side by side):
  --model A --model B       several models (e.g. Q4_K_M against Q8_0)
  --policy A --policy B     several policy files (e.g. excluding S6 or not; a policy file with
                            an engine block compares a local model against a remote server)
  --compare                 require two or more sides

The policy, model and engine flags are those of vigil classify (vigil classify --help).

Exit codes: 0 the run completed, 2 usage or input error (or a failure that stopped the run),
130 interrupted (Ctrl-C: the partial report is written).

Examples:
  vigil eval xstest_prompts.csv --preset xstest
  vigil eval samples-1680.jsonl.gz --preset openai-moderation --format html --output report.html
  vigil eval data.jsonl --label-field is_toxic --slice-field source --per-row rows.jsonl
  vigil eval xstest_prompts.csv --preset xstest --model Q4_K_M.gguf --model Q8_0.gguf
  vigil eval dev.jsonl --target-fpr 0.05 --write-policy tuned.yaml
`;
