/** Collects diagnoses while rules and live checks run: one per cause, the strongest confidence wins. */
import { redact } from '@wif/http';
import { CATALOGUE } from './_catalogue';
import type { Diagnosis, DiagnosisCause, DiagnosisConfidence } from './types';

const RANK: Readonly<Record<DiagnosisConfidence, number>> = { certain: 3, likely: 2, possible: 1 };
const MAX_VALUE = 300;

/** What a rule or a live check found. */
export interface Finding {
  readonly confidence: DiagnosisConfidence;
  /** Replaces the catalogue summary (a later summary at the same or a stronger confidence wins). */
  readonly summary?: string | undefined;
  /** Specific steps, shown before the catalogue's. */
  readonly fix?: readonly string[];
  readonly evidence?: readonly string[];
  readonly codes?: readonly string[];
}

interface Draft {
  confidence: DiagnosisConfidence;
  summary: string | undefined;
  readonly fix: string[];
  readonly evidence: string[];
  readonly codes: string[];
  readonly order: number;
}

/** Shortens a value quoted from a log, so a diagnosis never carries a whole paste. */
export function clip(value: string): string {
  return value.length > MAX_VALUE ? `${value.slice(0, MAX_VALUE)}…` : value;
}

const addUnique = (into: string[], values: readonly string[] | undefined): void => {
  for (const v of values ?? []) if (!into.includes(v)) into.push(v);
};

export class Findings {
  readonly #drafts = new Map<DiagnosisCause, Draft>();
  #next = 0;

  add(cause: DiagnosisCause, finding: Finding): void {
    let draft = this.#drafts.get(cause);
    if (!draft) {
      draft = { confidence: finding.confidence, summary: undefined, fix: [], evidence: [], codes: [], order: this.#next++ };
      this.#drafts.set(cause, draft);
    }
    const stronger = RANK[finding.confidence] >= RANK[draft.confidence];
    if (RANK[finding.confidence] > RANK[draft.confidence]) draft.confidence = finding.confidence;
    if (finding.summary !== undefined && (stronger || draft.summary === undefined)) draft.summary = finding.summary;
    addUnique(draft.fix, finding.fix);
    addUnique(draft.evidence, finding.evidence);
    addUnique(draft.codes, finding.codes);
  }

  has(cause: DiagnosisCause): boolean {
    return this.#drafts.has(cause);
  }

  /** Lowers (never raises) the confidence of a cause, with the evidence that weakens it. */
  weaken(cause: DiagnosisCause, confidence: DiagnosisConfidence, evidence: readonly string[]): void {
    const draft = this.#drafts.get(cause);
    if (!draft) return;
    if (RANK[confidence] < RANK[draft.confidence]) draft.confidence = confidence;
    addUnique(draft.evidence, evidence);
  }

  /** Adds evidence to a cause that is present, leaving its confidence alone. */
  note(cause: DiagnosisCause, evidence: readonly string[]): void {
    const draft = this.#drafts.get(cause);
    if (draft) addUnique(draft.evidence, evidence);
  }

  /** The causes found so far. */
  causes(): DiagnosisCause[] {
    return [...this.#drafts.keys()];
  }

  /** Codes seen for any of `causes` (so a cause that replaces them keeps them). */
  codesOf(...causes: DiagnosisCause[]): string[] {
    return causes.flatMap((c) => this.#drafts.get(c)?.codes ?? []);
  }

  remove(...causes: DiagnosisCause[]): void {
    for (const c of causes) this.#drafts.delete(c);
  }

  /** The diagnoses, strongest first (ties in the order found), every string redacted. */
  list(): Diagnosis[] {
    return [...this.#drafts.entries()]
      .sort(([, a], [, b]) => RANK[b.confidence] - RANK[a.confidence] || a.order - b.order)
      .map(([cause, d]) => ({
        cause,
        summary: redact(d.summary ?? CATALOGUE[cause].summary),
        fix: [...new Set([...d.fix, ...CATALOGUE[cause].fix])].map(redact),
        evidence: d.evidence.map((e) => redact(e)),
        codes: d.codes.map(redact),
        confidence: d.confidence,
      }));
  }
}
