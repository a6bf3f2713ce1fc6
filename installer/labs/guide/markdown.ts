// SPDX-License-Identifier: Apache-2.0
// Lab text to HTML for the lab guide. Raw HTML in a lab file is shown as text,
// never passed through (markdown-it's `html: false`), and links other than
// http(s) and mailto are refused by markdown-it's own link check. Links open
// beside the guide, so the student keeps their place.
import MarkdownIt from 'markdown-it'

const md = new MarkdownIt({ html: false, linkify: true, typographer: false })

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options))
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('target', '_blank')
  tokens[idx]!.attrSet('rel', 'noopener noreferrer')
  return defaultLinkOpen(tokens, idx, options, env, self)
}

/** A block of lab Markdown (a step's text) as HTML. */
export function markdownToHtml(text: string): string {
  return md.render(text)
}

/** One line of lab Markdown (a hint) as inline HTML. */
export function markdownInline(text: string): string {
  return md.renderInline(text)
}
