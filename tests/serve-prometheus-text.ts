// A strict reader of the Prometheus text exposition format (version 0.0.4), for the service
// tests: every line must be a HELP, a TYPE or a sample, label values unescaped; anything else
// throws. (parse-prometheus-text-format drops the labels of labelled histograms.)

export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PrometheusText {
  types: Map<string, string>;
  samples: PrometheusSample[];
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const labelPair = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

function parseLabels(text: string, line: string) {
  const labels: Record<string, string> = {};
  labelPair.lastIndex = 0;
  while (labelPair.lastIndex < text.length) {
    const match = labelPair.exec(text);
    if (!match) throw new Error(`prometheus text: bad labels in '${line}'`);
    labels[match[1] as string] = (match[2] as string).replace(/\\(["\\n])/g, (_, escaped: string) =>
      escaped === 'n' ? '\n' : escaped,
    );
  }
  return labels;
}

function parseValue(text: string, line: string) {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  if (text.trim() === '' || Number.isNaN(value)) throw new Error(`prometheus text: bad value in '${line}'`);
  return value;
}

/** Parses an exposition; `sum(name, labels)` adds the samples of `name` whose labels match. */
export function parsePrometheusText(text: string) {
  const types = new Map<string, string>();
  const samples: PrometheusSample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1] as string, type[2] as string);
      else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line))
        throw new Error(`prometheus text: bad line '${line}'`);
      continue;
    }
    const match = sampleLine.exec(line);
    if (!match) throw new Error(`prometheus text: bad line '${line}'`);
    samples.push({
      name: match[1] as string,
      labels: match[2] ? parseLabels(match[2], line) : {},
      value: parseValue(match[3] as string, line),
    });
  }
  const sum = (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((sample) => sample.name === name)
      .filter((sample) => Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
      .reduce((total, sample) => total + sample.value, 0);
  return { types, samples, sum };
}
