// SPDX-License-Identifier: Apache-2.0
// The lab file format (labs/<id>/lab.yaml): its JSON Schema and the types it
// validates to. Code (checks, solves, setups) is named here and lives in the
// lab's checks.ts; the loader proves every name exists.

const name = {
  type: 'string',
  pattern: '^[a-z][a-z0-9-]{0,39}$',
  description: 'lower-case letters, digits and "-", starting with a letter, at most 40 characters',
}
const fn = {
  type: 'string',
  pattern: '^[A-Za-z_][A-Za-z0-9_]{0,63}$',
  description: "the name of a function exported by the lab's checks.ts, e.g. keypairExists",
}
const text = { type: 'string', minLength: 1, maxLength: 20_000 }

/** Services a lab can need: catalog types every Stackhouse cloud may have. */
export const labServices = ['identity', 'compute', 'network', 'image', 'volumev3', 'object-store', 'placement'] as const
export type LabService = (typeof labServices)[number]

export const labSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'title', 'summary', 'minutes', 'needs', 'steps'],
  properties: {
    id: { ...name, description: 'the lab folder\'s name: lower-case letters, digits and "-"' },
    title: { type: 'string', minLength: 1, maxLength: 120 },
    summary: { type: 'string', minLength: 1, maxLength: 2_000 },
    minutes: { type: 'integer', minimum: 1, maximum: 480, description: 'estimated minutes, a whole number from 1 to 480' },
    needs: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: [...labServices] },
      description: `services the lab needs, from: ${labServices.join(', ')}`,
    },
    isolation: {
      enum: ['project', 'exclusive'],
      default: 'project',
      description:
        'project: each student works in a project of their own; exclusive: one student at a time (the lab breaks shared services)',
    },
    params: {
      type: 'object',
      description: 'per-student values: templates over student, number, project, user and cidr',
      propertyNames: {
        pattern: '^[a-z][a-zA-Z0-9_]{0,39}$',
        description: 'a parameter name: letters, digits and "_", starting with a lower-case letter',
      },
      additionalProperties: { type: 'string', minLength: 1, maxLength: 200 },
      default: {},
    },
    setup: fn,
    cleanup: fn,
    steps: {
      type: 'array',
      minItems: 1,
      maxItems: 50,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'title', 'text', 'check', 'solve'],
        properties: {
          id: name,
          title: { type: 'string', minLength: 1, maxLength: 120 },
          text,
          setup: fn,
          check: fn,
          solve: fn,
          hints: { type: 'array', maxItems: 10, items: text, default: [] },
          hintFrom: {
            ...fn,
            description: 'a function of checks.ts whose text (found on the cloud when asked for) is the last hint, e.g. configDrift',
          },
          points: { type: 'integer', minimum: 0, maximum: 1000, default: 10, description: 'a whole number from 0 to 1000' },
        },
      },
    },
  },
} as const

export interface LabStepFile {
  id: string
  title: string
  /** Markdown with {{variables}}. */
  text: string
  setup?: string
  check: string
  solve: string
  hints: string[]
  /** A function whose text, found when the student asks, is the hint after `hints`. */
  hintFrom?: string
  points: number
}

export interface LabFile {
  id: string
  title: string
  summary: string
  minutes: number
  needs: LabService[]
  isolation: 'project' | 'exclusive'
  params: Record<string, string>
  setup?: string
  cleanup?: string
  steps: LabStepFile[]
}
