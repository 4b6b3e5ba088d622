// The parts of a link's settings that say what the engine may do on its own (the approval policy)
// and where sales entries book their revenue (the GL accounts), as pickers from Exact's look-ups.
import { useId, useState } from "react"
import { Choice, type DraftEdit, editorsOf, Field, type Lookups, optionLabel } from "./LinkSettingsSections.tsx"
import { CHANGE_KINDS, type ChangeKind } from "./linkDraft.ts"

/** The engine's threshold when the policy names none (`LinkSettings.autoAcceptAbove`). */
const DEFAULT_AUTO_ACCEPT = 0.92

const KIND_LABELS: Record<ChangeKind, string> = {
  createProduct: "Create missing catalog items",
  createAgreement: "Create missing agreements",
  addAddition: "Add missing additions",
  updateQuantity: "Correct quantities",
  updateUnitCost: "Correct unit costs",
  updateUnitPrice: "Correct unit prices",
  cancelAddition: "Cancel additions that are no longer invoiced"
}

/**
 * What may happen without a person: the score at which a suggested name links by itself, the
 * changes a scheduled run applies unapproved, and whether a transfer creates Exact customers.
 * Lowering the score is warned about: a wrong link is worse than none.
 */
export const ApprovalPolicyFields = (props: DraftEdit) => {
  const { draft } = props
  const { set, text } = editorsOf(props)
  const kindsId = useId()
  const score = Number(draft.autoAcceptAbove.trim().replace(",", "."))
  const lowered = draft.autoAcceptAbove.trim() !== "" && Number.isFinite(score) && score < DEFAULT_AUTO_ACCEPT
  const toggle = (kind: ChangeKind, on: boolean) =>
    set("autoApprove")(on ? [...draft.autoApprove, kind] : draft.autoApprove.filter((k) => k !== kind))
  return (
    <fieldset>
      <legend>What may happen without a person</legend>
      <Field
        label="A suggested name links by itself from score"
        hint={`From 0 to 1; empty is the engine's ${DEFAULT_AUTO_ACCEPT}. It must also be the only candidate that scores this and lead the next clearly.`}
      >
        <input {...text("autoAcceptAbove")} inputMode="decimal" placeholder={String(DEFAULT_AUTO_ACCEPT)} />
      </Field>
      {lowered && (
        <p className="warning" role="note" data-testid="auto-accept-warning">
          Below {DEFAULT_AUTO_ACCEPT}, weaker name matches link without anyone checking them, and their changes can be
          applied to the wrong customer.
        </p>
      )}
      <fieldset aria-describedby={`${kindsId}-hint`}>
        <legend>Changes a scheduled run applies without approval</legend>
        {CHANGE_KINDS.map((kind) => (
          <label key={kind} className="check">
            <input
              type="checkbox"
              checked={draft.autoApprove.includes(kind)}
              onChange={(e) => toggle(kind, e.target.checked)}
            />{" "}
            {KIND_LABELS[kind]}
          </label>
        ))}
        <small id={`${kindsId}-hint`}>
          None ticked: a person approves every change in the grid. Rows the engine is unsure of are never applied
          unattended.
        </small>
      </fieldset>
      <Field label="New Exact customers for companies without one">
        <select
          value={draft.createAccounts}
          onChange={(e) => set("createAccounts")(e.target.value as typeof draft.createAccounts)}
        >
          <option value="">— as the transfer settings say (a person approves each) —</option>
          <option value="ask">a person approves each</option>
          <option value="auto">created by the transfer</option>
          <option value="never">never: such invoices wait</option>
        </select>
      </Field>
    </fieldset>
  )
}

/**
 * Sales entries' revenue accounts: the default for every line, and one per ConnectWise catalog
 * item where it differs. An item is added by its ConnectWise id (the catalog item's record id).
 */
export const RevenueAccounts = (props: DraftEdit & { readonly lookups: Lookups | undefined }) => {
  const { draft, setDraft } = props
  const { set } = editorsOf(props)
  const [itemId, setItemId] = useState("")
  const options = props.lookups?.exact.glAccounts ?? []
  const items = Object.keys(draft.glAccounts).sort((a, b) => Number(a) - Number(b))
  const valid = /^[1-9]\d*$/.test(itemId.trim())
  const setItem = (item: string, code: string | undefined) =>
    setDraft((d) => {
      const { [item]: _gone, ...rest } = d.glAccounts
      return { ...d, glAccounts: code === undefined ? rest : { ...rest, [item]: code } }
    })
  return (
    <fieldset>
      <legend>Revenue GL accounts (sales entries)</legend>
      <Choice
        label="Default revenue GL account"
        by="code"
        value={draft.defaultGlAccount}
        options={options}
        empty="— the Exact item's own —"
        onChange={set("defaultGlAccount")}
      />
      <table className="mapping">
        <caption>Revenue GL account per ConnectWise catalog item</caption>
        <tbody>
          {items.map((item) => (
            <tr key={item}>
              <th scope="row">Catalog item {item}</th>
              <td>
                <select
                  aria-label={`Revenue GL account for catalog item ${item}`}
                  value={draft.glAccounts[item] ?? ""}
                  onChange={(e) => setItem(item, e.target.value)}
                >
                  <option value="">— the default —</option>
                  {options.map((o) => (
                    <option key={`${o.id}`} value={o.code ?? ""}>
                      {optionLabel(o)}
                    </option>
                  ))}
                </select>{" "}
                <button type="button" onClick={() => setItem(item, undefined)}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="inline">
        <Field label="ConnectWise catalog item id" hint="The item's record id, as ConnectWise shows it in its URL.">
          <input value={itemId} inputMode="numeric" onChange={(e) => setItemId(e.target.value)} />
        </Field>
        <button
          type="button"
          disabled={!valid}
          onClick={() => {
            setItem(itemId.trim(), draft.glAccounts[itemId.trim()] ?? "")
            setItemId("")
          }}
        >
          Add an item
        </button>
      </div>
    </fieldset>
  )
}
