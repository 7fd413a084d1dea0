/**
 * Llama Guard 3's hazard taxonomy (MLCommons). `promptName` is the text Meta's template puts in
 * the prompt (the model was trained on it); `displayName` is the model card's name, shown to
 * people. Source: PurpleLlama Llama-Guard3 1B/8B MODEL_CARD.md and the 1B chat template.
 */
export interface BuiltinCategory {
  code: string;
  promptName: string;
  displayName: string;
}

export const builtinCategories: readonly BuiltinCategory[] = [
  { code: 'S1', promptName: 'Violent Crimes.', displayName: 'Violent Crimes' },
  { code: 'S2', promptName: 'Non-Violent Crimes.', displayName: 'Non-Violent Crimes' },
  { code: 'S3', promptName: 'Sex Crimes.', displayName: 'Sex-Related Crimes' },
  { code: 'S4', promptName: 'Child Exploitation.', displayName: 'Child Sexual Exploitation' },
  { code: 'S5', promptName: 'Defamation.', displayName: 'Defamation' },
  { code: 'S6', promptName: 'Specialized Advice.', displayName: 'Specialized Advice' },
  { code: 'S7', promptName: 'Privacy.', displayName: 'Privacy' },
  { code: 'S8', promptName: 'Intellectual Property.', displayName: 'Intellectual Property' },
  { code: 'S9', promptName: 'Indiscriminate Weapons.', displayName: 'Indiscriminate Weapons' },
  { code: 'S10', promptName: 'Hate.', displayName: 'Hate' },
  { code: 'S11', promptName: 'Self-Harm.', displayName: 'Suicide & Self-Harm' },
  { code: 'S12', promptName: 'Sexual Content.', displayName: 'Sexual Content' },
  { code: 'S13', promptName: 'Elections.', displayName: 'Elections' },
  // Llama Guard 3 8B only.
  { code: 'S14', promptName: 'Code Interpreter Abuse.', displayName: 'Code Interpreter Abuse' },
];

/** The categories Llama Guard 3 1B was trained on, and the default policy. */
export const defaultCategoryCodes: readonly string[] = builtinCategories.slice(0, 13).map((c) => c.code);
