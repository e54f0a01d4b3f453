/**
 * One module option, defined once: the class-validator rules its value must pass, its default (if it
 * has one) and, through the type argument of {@link option}, its TypeScript type. The public option
 * interfaces are mapped from tables of these, so the doc comment on a table key is what editors show.
 */
export interface OptionSpec<T> {
  /** Class-validator property decorators, in the order they would be written on a property. */
  readonly rules: readonly PropertyDecorator[];
  /** Further checks once the rules pass, each problem a sentence about the value (e.g. one list entry). */
  readonly problems?: (value: T) => string[];
  /** Options of an object-valued option, checked under `name.` and filled in from their defaults. */
  readonly nested?: OptionTable;
  /** Carries the option's type; never set. */
  readonly type?: T;
}

/** An option that the resolved options always hold: its default stands in when it is not given. */
export interface DefaultedOptionSpec<T> extends OptionSpec<T> {
  readonly default: T;
}

export type OptionTable = Readonly<Record<string, OptionSpec<any>>>;

export function option<T>(spec: Omit<DefaultedOptionSpec<T>, 'type'>): DefaultedOptionSpec<T>;
export function option<T>(spec: Omit<OptionSpec<T>, 'type'>): OptionSpec<T>;
export function option<T>(spec: Omit<OptionSpec<T>, 'type'>): OptionSpec<T> {
  return spec;
}

type ValueOf<S> = S extends OptionSpec<infer T> ? T : never;
type DefaultedKeys<S> = { [K in keyof S]: S[K] extends DefaultedOptionSpec<any> ? K : never }[keyof S];

/** The options a table describes, as a caller passes them: every one optional. */
export type OptionsOf<S extends OptionTable> = { [K in keyof S]?: ValueOf<S[K]> };

/** The options after defaults: those with a default always set, the others as given. */
export type ResolvedOf<S extends OptionTable> = Flat<Required<Pick<OptionsOf<S>, DefaultedKeys<S>>> & Omit<OptionsOf<S>, DefaultedKeys<S>>>;

type Flat<T> = { [K in keyof T]: T[K] };

/** The defaults of a table's options, by name. */
export function defaultsOf(table: OptionTable): Record<string, unknown> {
  return Object.fromEntries(Object.entries(table).flatMap(([name, spec]) => ('default' in spec ? [[name, (spec as DefaultedOptionSpec<unknown>).default]] : [])));
}
