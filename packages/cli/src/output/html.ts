/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string) {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * A self-contained HTML report page (the audit's and the eval's): inline style, the body, and
 * an inline script when given; nothing remote.
 */
export function htmlPage(page: { title: string; style: string; body: string; script?: string | undefined }) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<style>${page.style}</style>
</head>
<body>
${page.body}${page.script === undefined ? '' : `\n<script>${page.script}</script>`}
</body>
</html>
`;
}
