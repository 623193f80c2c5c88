import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { expect, test } from "vitest";

import type { CrmContactsView, CustomerView } from "../api/types";
import { customerPartApi, findCard, renderCustomerPage, type PutAnswer } from "../test/customerPart";
import { NO_CRM_CONTACTS, SHOP_ADDRESS, VIEW } from "../test/fixtures";
import { signedInAs, storedDrafts } from "../test/render";
import {
  completeDraft,
  contactsBody,
  contactsProblems,
  draftOf,
  isShownAtField,
  isUnchanged,
  newPhone,
  savedLine,
} from "./contactsDraft";
import { newAddress } from "./crmAddress";

const CONTACTS_PATH = "/api/contacts/C%2F1";

const SAVED: CrmContactsView = {
  phones: [
    { type: "MOBILE", number: "+84 90 333 4444", is_verified: true, note: "wife's mobile, evenings" },
    { type: "WORK", number: "028 3822 1111", is_verified: false, note: "" },
  ],
  emails: [{ type: "PERSONAL", address: "an.nguyen@example.com", is_verified: false, note: "" }],
  addresses: [],
  version: 2,
  updated_at: "2026-03-18T10:00:00Z",
  updated_by: "agent1",
};

/** The bank's own contacts with one address, in Vietnam. */
const BANK_IN_VIETNAM: Partial<CustomerView> = {
  contacts: {
    ...VIEW.contacts,
    addresses: [
      {
        type: "HOME",
        line1: "5 Le Loi",
        line2: null,
        city: "Ho Chi Minh City",
        province: null,
        postal_code: null,
        country: "VN",
        is_primary: true,
        is_verified: false,
      },
    ],
  },
};

/** A fake API that keeps the contacts: a PUT answers `put` (by default: saved as the next version). */
const contactsApi = (start: CrmContactsView, put?: PutAnswer, others?: Partial<CustomerView>) =>
  customerPartApi({
    part: "crm_contacts",
    putPath: CONTACTS_PATH,
    start,
    put,
    others,
    fieldsOf: (body) => ({
      phones: body.phones as CrmContactsView["phones"],
      emails: body.emails as CrmContactsView["emails"],
      addresses: body.addresses as CrmContactsView["addresses"],
    }),
  });

const renderPage = renderCustomerPage;
const contactsCard = () => findCard("Contacts added in the CRM");

async function openForm(card: HTMLElement) {
  await userEvent.click(within(card).getByRole("button", { name: "Edit contacts" }));
  return within(card).getByRole("form", { name: "Edit the contacts" });
}

test("the contacts agents added read beside the bank's: type, number, verified, note, who saved them", async () => {
  signedInAs("agent", "A-1");
  contactsApi(SAVED);
  renderPage();
  const card = await contactsCard();
  const items = within(within(card).getByTestId("crm-contacts")).getAllByRole("listitem");
  expect(items.map((item) => item.textContent)).toEqual([
    "+84 90 333 4444 MOBILEverifiedwife's mobile, evenings",
    "028 3822 1111 WORK",
    "an.nguyen@example.com PERSONAL",
  ]);
  expect(within(card).getByRole("link", { name: "+84 90 333 4444" })).toHaveAttribute(
    "href",
    "tel:+84 90 333 4444",
  );
  expect(within(card).getByText(/^Saved by agent1 on .*, version 2$/)).toBeInTheDocument();
  expect(within(card).getByRole("button", { name: "Edit contacts" })).toBeInTheDocument();
  // Right after the bank's own contacts.
  const bank = screen.getByRole("region", { name: "Contacts" });
  expect(bank.nextElementSibling).toBe(card);
});

test("none added yet reads as such", async () => {
  signedInAs("supervisor");
  contactsApi(NO_CRM_CONTACTS);
  renderPage();
  const card = await contactsCard();
  expect(within(card).getByText("No phones, emails or addresses added yet.")).toBeInTheDocument();
  expect(within(card).getByText("Never saved")).toBeInTheDocument();
});

test("an agent edits, adds and removes contacts and saves: the body names the version; the customer is read again", async () => {
  signedInAs("agent", "A-1");
  const api = contactsApi(SAVED);
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  const first = within(form).getByLabelText("Phone 1 number");
  expect(first).toHaveFocus();
  expect(first).toHaveValue("+84 90 333 4444");
  expect(within(form).getByLabelText("Phone 1 type")).toHaveValue("MOBILE");
  expect(within(form).getByLabelText("Phone 1 verified")).toBeChecked();
  expect(within(form).getByLabelText("Phone 1 note")).toHaveValue("wife's mobile, evenings");
  expect(within(form).getByLabelText("Email 1 address")).toHaveValue("an.nguyen@example.com");

  // The work number goes; the focus moves to the row before.
  await userEvent.click(within(form).getByRole("button", { name: "Remove phone 2" }));
  expect(within(form).queryByLabelText("Phone 2 number")).not.toBeInTheDocument();
  expect(within(form).getByLabelText("Phone 1 number")).toHaveFocus();

  // A new phone: its number takes the focus.
  await userEvent.click(within(form).getByRole("button", { name: "Add phone" }));
  const added = within(form).getByLabelText("Phone 2 number");
  expect(added).toHaveFocus();
  await userEvent.type(added, " +84 91 555 6666 ");
  await userEvent.selectOptions(within(form).getByLabelText("Phone 2 type"), "HOME");
  await userEvent.type(within(form).getByLabelText("Phone 2 note"), "his mother's");

  await userEvent.click(within(form).getByLabelText("Email 1 verified"));
  await userEvent.selectOptions(within(form).getByLabelText("Email 1 type"), "WORK");
  await userEvent.click(within(form).getByRole("button", { name: "Add email" }));
  await userEvent.type(within(form).getByLabelText("Email 2 address"), "an@example.org");
  const readsBefore = api.customerReads();

  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(card).findByRole("status")).toHaveTextContent("Contacts saved (version 3).");
  expect(api.puts()).toHaveLength(1);
  expect(api.puts()[0]!.url.pathname).toBe(CONTACTS_PATH);
  expect(api.puts()[0]!.body).toEqual({
    phones: [
      { type: "MOBILE", number: "+84 90 333 4444", is_verified: true, note: "wife's mobile, evenings" },
      { type: "HOME", number: "+84 91 555 6666", is_verified: false, note: "his mother's" },
    ],
    emails: [
      { type: "WORK", address: "an.nguyen@example.com", is_verified: true, note: "" },
      { type: "PERSONAL", address: "an@example.org", is_verified: false, note: "" },
    ],
    addresses: [],
    version: 2,
  });
  expect(within(card).queryByRole("form")).not.toBeInTheDocument();
  expect(within(card).getByText("+84 91 555 6666")).toBeInTheDocument();
  expect(within(card).queryByText("028 3822 1111")).not.toBeInTheDocument();
  expect(within(card).getByText("an@example.org")).toBeInTheDocument();
  expect(within(card).getByText(/^Saved by agent-1 on .*, version 3$/)).toBeInTheDocument();
  expect(within(card).getByRole("button", { name: "Edit contacts" })).toHaveFocus();
  await screen.findByText(/version 3$/);
  expect(api.customerReads()).toBeGreaterThan(readsBefore);
  expect(storedDrafts()).toEqual([]);
});

test("removing every contact saves empty lists; Cancel closes the form and sends nothing", async () => {
  signedInAs("supervisor");
  const api = contactsApi(SAVED);
  renderPage();
  const card = await contactsCard();
  let form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Remove phone 1" }));
  await userEvent.click(within(form).getByRole("button", { name: "Cancel" }));
  expect(within(card).queryByRole("form")).not.toBeInTheDocument();
  expect(within(card).getByText("028 3822 1111")).toBeInTheDocument();
  expect(api.puts()).toHaveLength(0);
  expect(storedDrafts()).toEqual([]);

  form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Remove phone 2" }));
  await userEvent.click(within(form).getByRole("button", { name: "Remove phone 1" }));
  expect(within(form).getByRole("button", { name: "Add phone" })).toHaveFocus();
  await userEvent.click(within(form).getByRole("button", { name: "Remove email 1" }));
  expect(within(form).getByRole("button", { name: "Add email" })).toHaveFocus();
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 3).");
  expect(api.puts()[0]!.body).toEqual({ phones: [], emails: [], addresses: [], version: 2 });
  expect(within(card).getByText("No phones, emails or addresses added yet.")).toBeInTheDocument();
});

test("a number or address repeated or malformed is marked as it is typed, and Save waits for it", async () => {
  signedInAs("agent", "A-1");
  const api = contactsApi(SAVED);
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  const save = within(form).getByRole("button", { name: "Save" });
  expect(save).toBeEnabled();

  await userEvent.click(within(form).getByRole("button", { name: "Add phone" }));
  const number = within(form).getByLabelText("Phone 3 number");
  expect(number).toHaveAccessibleDescription("Enter the number, or remove this phone");
  expect(save).toBeDisabled();

  // The same digits as phone 1, written otherwise: the API would refuse it.
  await userEvent.type(number, "+84903334444");
  expect(number).toHaveAttribute("aria-invalid", "true");
  expect(number).toHaveAccessibleDescription("The same number as phone 1");
  expect(within(form).getByLabelText("Phone 1 number")).toHaveAttribute("aria-invalid", "false");
  expect(save).toBeDisabled();

  await userEvent.clear(number);
  await userEvent.type(number, "09x 123");
  expect(number).toHaveAccessibleDescription(
    "Only digits, spaces, brackets and dashes, with + at the start if any",
  );
  await userEvent.clear(number);
  await userEvent.type(number, "1".repeat(33));
  expect(number).toHaveAccessibleDescription("33 characters: at most 32");
  await userEvent.clear(number);
  await userEvent.type(number, "12");
  expect(number).toHaveAccessibleDescription("At least 3 characters");
  await userEvent.clear(number);
  await userEvent.type(number, "()-"); // the pattern's characters, but nothing to dial: the API refuses it
  expect(number).toHaveAccessibleDescription("Enter the number's digits");
  expect(save).toBeDisabled();
  await userEvent.clear(number);
  await userEvent.type(number, "(028) 3822-2222");
  expect(number).toHaveAttribute("aria-invalid", "false");
  expect(save).toBeEnabled();

  // Addresses: case does not tell two apart.
  await userEvent.click(within(form).getByRole("button", { name: "Add email" }));
  const address = within(form).getByLabelText("Email 2 address");
  await userEvent.type(address, "An.Nguyen@Example.com");
  expect(address).toHaveAccessibleDescription("The same address as email 1");
  expect(save).toBeDisabled();
  await userEvent.clear(address);
  await userEvent.type(address, "an.nguyen@example");
  expect(address).toHaveAccessibleDescription("Not an email address (like name@example.com)");
  expect(within(form).getByText("Save waits until the marked fields are right.")).toBeInTheDocument();
  await userEvent.clear(address);
  await userEvent.type(address, "an.nguyen@example.vn");
  expect(address).toHaveAttribute("aria-invalid", "false");
  expect(save).toBeEnabled();
  expect(within(form).queryByText("Save waits until the marked fields are right.")).not.toBeInTheDocument();
  expect(api.puts()).toHaveLength(0);
});

test("Add phone and Add email stop at ten", async () => {
  signedInAs("agent", "A-1");
  const nine = Array.from({ length: 9 }, (_, n) => ({ ...newPhone(), number: `+84 90 000 000${n}` }));
  contactsApi({ ...SAVED, phones: nine, emails: [] });
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  const addPhone = within(form).getByRole("button", { name: "Add phone" });
  await userEvent.click(addPhone);
  expect(within(form).getByLabelText("Phone 10 number")).toHaveFocus();
  expect(addPhone).toBeDisabled();
  expect(within(form).getByText("At most 10 phones.")).toBeInTheDocument();
  expect(within(form).getByRole("button", { name: "Add email" })).toBeEnabled();
  await userEvent.click(within(form).getByRole("button", { name: "Remove phone 10" }));
  expect(addPhone).toBeEnabled();
});

test("a save overtaken by another's (409) shows why; Reload reads the customer and edits the contacts as saved now", async () => {
  signedInAs("agent", "A-1");
  const detail =
    "the contacts were saved by agent2 at 2026-03-20 since version 2 was read: they are at version 3; read them again and redo the change";
  let refuse = true;
  const api = contactsApi(SAVED, (body) =>
    refuse
      ? { status: 409, body: { detail } }
      : { status: 200, body: { ...SAVED, ...body, version: 4, updated_by: "agent-1" } },
  );
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Add phone" }));
  await userEvent.type(within(form).getByLabelText("Phone 3 number"), "0909 000 111");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(detail);
  expect(within(card).getByRole("form", { name: "Edit the contacts" })).toBeInTheDocument();
  expect(within(card).getByLabelText("Phone 3 number")).toHaveValue("0909 000 111");

  api.setPart({
    ...SAVED,
    phones: [{ type: "OTHER", number: "0911 222 333", is_verified: false, note: "neighbour" }],
    version: 3,
    updated_by: "agent2",
  });
  const readsBefore = api.customerReads();
  await userEvent.click(within(card).getByRole("button", { name: "Reload" }));
  await within(card).findByDisplayValue("0911 222 333");
  expect(api.customerReads()).toBe(readsBefore + 1);
  expect(within(card).getByLabelText("Phone 1 type")).toHaveValue("OTHER");
  expect(within(card).queryByLabelText("Phone 2 number")).not.toBeInTheDocument();
  expect(within(card).queryByRole("alert")).not.toBeInTheDocument();

  refuse = false;
  await userEvent.click(within(card).getByLabelText("Phone 1 verified"));
  await userEvent.click(within(card).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 4).");
  expect(api.puts()[1]!.body).toMatchObject({
    phones: [{ type: "OTHER", number: "0911 222 333", is_verified: true, note: "neighbour" }],
    version: 3,
  });
});

test("a save Kafka did not confirm (503) shows the error and keeps the draft to try again", async () => {
  signedInAs("agent", "A-1");
  let down = true;
  const api = contactsApi(NO_CRM_CONTACTS, (body) =>
    down
      ? { status: 503, body: { detail: "the event bus did not confirm the save; nothing was saved" } }
      : { status: 200, body: { ...NO_CRM_CONTACTS, ...body, version: 1, updated_by: "agent-1" } },
  );
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  expect(within(form).getByText("No phones.")).toBeInTheDocument();
  expect(within(form).getByRole("button", { name: "Add phone" })).toHaveFocus();
  await userEvent.click(within(form).getByRole("button", { name: "Add email" }));
  await userEvent.type(within(form).getByLabelText("Email 1 address"), "an@example.com");
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  expect(await within(card).findByRole("alert")).toHaveTextContent(
    "the event bus did not confirm the save; nothing was saved",
  );
  expect(within(form).getByLabelText("Email 1 address")).toHaveValue("an@example.com");

  down = false;
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 1).");
  expect(api.puts()).toHaveLength(2);
  expect(api.puts()[1]!.body).toEqual(api.puts()[0]!.body);
});

test("a field the API refuses (422) is shown at its field until it is edited", async () => {
  signedInAs("agent", "A-1");
  const message = "String should match pattern '^\\+?[0-9 ()-]+$'";
  contactsApi(SAVED, () => ({
    status: 422,
    body: {
      detail: [{ loc: ["body", "phones", 1, "number"], msg: message, type: "string_pattern_mismatch" }],
    },
  }));
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  const number = within(form).getByLabelText("Phone 2 number");
  expect(await within(card).findByRole("alert")).toHaveTextContent(message);
  expect(number).toHaveAttribute("aria-invalid", "true");
  expect(number).toHaveAccessibleDescription(message);
  expect(within(form).getByLabelText("Phone 1 number")).toHaveAttribute("aria-invalid", "false");

  await userEvent.type(number, "9");
  expect(number).toHaveAttribute("aria-invalid", "false");
});

test("admins and integrations see the contacts but cannot edit them", async () => {
  for (const role of ["admin", "integration"] as const) {
    signedInAs(role);
    contactsApi(SAVED);
    const page = renderPage();
    const card = await contactsCard();
    expect(within(card).getByText("+84 90 333 4444")).toBeInTheDocument();
    expect(within(card).queryByRole("button", { name: "Edit contacts" })).not.toBeInTheDocument();
    expect(within(card).queryByRole("form")).not.toBeInTheDocument();
    page.unmount();
    sessionStorage.clear();
  }
});

test("the open form and its unsaved rows outlive the page (a sign-in in between)", async () => {
  signedInAs("agent", "A-1");
  const api = contactsApi(SAVED);
  const page = renderPage();
  let card = await contactsCard();
  const form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Add phone" }));
  await userEvent.type(within(form).getByLabelText("Phone 3 number"), "0909 777 888");
  page.unmount();

  renderPage();
  card = await contactsCard();
  expect(await within(card).findByLabelText("Phone 3 number")).toHaveValue("0909 777 888");
  expect(within(card).getByRole("status")).toHaveTextContent(
    "Your unsaved changes to the contacts were restored.",
  );
  await userEvent.click(within(card).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 3).");
  expect(api.puts()[0]!.body).toMatchObject({
    phones: [SAVED.phones[0], SAVED.phones[1], { ...newPhone(), number: "0909 777 888" }],
    version: 2,
  });
  expect(storedDrafts()).toEqual([]);
});

test("the draft helpers: the body, the checks, the saved line", () => {
  const draft = draftOf(SAVED);
  expect(isUnchanged(draft, SAVED)).toBe(true);
  draft.phones.push({ ...newPhone(), number: " 028 3822 1111 " });
  expect(isUnchanged(draft, SAVED)).toBe(false);
  expect(contactsBody(draft).phones?.[2]).toEqual({ ...newPhone(), number: "028 3822 1111" });
  expect(contactsBody(draft).version).toBe(2);
  expect(contactsProblems(draft)).toEqual({ "phones.2.number": "The same number as phone 2" });
  draft.emails[0]!.note = "x".repeat(201);
  expect(contactsProblems(draft)["emails.0.note"]).toBe("The note has 201 characters: at most 200");
  expect(contactsProblems(draftOf(SAVED))).toEqual({});
  expect(savedLine(NO_CRM_CONTACTS)).toBe("Never saved");
  expect(savedLine(SAVED)).toMatch(/^Saved by agent1 on .*, version 2$/);
});

test("the addresses agents added read on one line, with their type, verified mark and note", async () => {
  signedInAs("agent", "A-1");
  const home = {
    ...SHOP_ADDRESS,
    type: "HOME" as const,
    line2: "Floor 3",
    province: null,
    is_verified: false,
  };
  contactsApi({
    ...NO_CRM_CONTACTS,
    addresses: [SHOP_ADDRESS, { ...home, postal_code: null, note: "" }],
    version: 1,
  });
  renderPage();
  const card = await contactsCard();
  const items = within(within(card).getByTestId("crm-contacts")).getAllByRole("listitem");
  expect(items.map((item) => item.textContent)).toEqual([
    "12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN WORKverifiedthe shop, weekdays; ask for Mrs Lan",
    "12 Ly Thuong Kiet, Floor 3, Hanoi, VN HOME",
  ]);
  expect(within(card).queryByText(/added yet/)).not.toBeInTheDocument();
});

test("an agent adds an address and saves it: every list is sent, the optional parts left empty as null", async () => {
  signedInAs("agent", "A-1");
  const api = contactsApi(SAVED, undefined, BANK_IN_VIETNAM);
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  expect(within(form).getByText("No addresses.")).toBeInTheDocument();

  await userEvent.click(within(form).getByRole("button", { name: "Add address" }));
  const line1 = within(form).getByLabelText("Address 1 line 1");
  expect(line1).toHaveFocus();
  expect(line1).toHaveAccessibleDescription("Enter the first line, or remove this address");
  expect(within(form).getByLabelText("Address 1 city")).toHaveAccessibleDescription("Enter the city");
  // A new address starts in the customer's country, as the bank has it.
  expect(within(form).getByLabelText("Address 1 country")).toHaveValue("VN");
  expect(within(form).getByRole("button", { name: "Save" })).toBeDisabled();

  await userEvent.selectOptions(within(form).getByLabelText("Address 1 type"), "WORK");
  await userEvent.type(line1, " 12 Ly Thuong Kiet ");
  await userEvent.type(within(form).getByLabelText("Address 1 city"), "Hanoi");
  await userEvent.click(within(form).getByLabelText("Address 1 verified"));
  await userEvent.type(within(form).getByLabelText("Address 1 note"), "the shop");

  // A second one, in another country typed in small letters, then removed again.
  await userEvent.click(within(form).getByRole("button", { name: "Add address" }));
  const country = within(form).getByLabelText("Address 2 country");
  await userEvent.clear(country);
  await userEvent.type(country, "th");
  expect(country).toHaveValue("TH");
  await userEvent.click(within(form).getByRole("button", { name: "Remove address 2" }));
  expect(within(form).queryByLabelText("Address 2 line 1")).not.toBeInTheDocument();
  expect(within(form).getByLabelText("Address 1 line 1")).toHaveFocus();

  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 3).");
  expect(api.puts()[0]!.body).toEqual({
    phones: SAVED.phones,
    emails: SAVED.emails,
    addresses: [
      {
        type: "WORK",
        line1: "12 Ly Thuong Kiet",
        line2: null,
        city: "Hanoi",
        province: null,
        postal_code: null,
        country: "VN",
        is_verified: true,
        note: "the shop",
      },
    ],
    version: 2,
  });
  expect(within(card).getByText("12 Ly Thuong Kiet, Hanoi, VN")).toBeInTheDocument();
  expect(within(card).getByText("the shop")).toBeInTheDocument();
});

test("an address repeated (case and spaces aside) or with a bad country is marked as typed, and Save waits", async () => {
  signedInAs("agent", "A-1");
  const api = contactsApi({ ...SAVED, addresses: [SHOP_ADDRESS] });
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  const save = within(form).getByRole("button", { name: "Save" });
  expect(within(form).getByLabelText("Address 1 line 1")).toHaveValue("12 Ly Thuong Kiet");
  expect(within(form).getByLabelText("Address 1 line 2")).toHaveValue("");

  // No bank address to take the country from: it is to be filled in.
  await userEvent.click(within(form).getByRole("button", { name: "Add address" }));
  const country = within(form).getByLabelText("Address 2 country");
  expect(country).toHaveValue("");
  expect(country).toHaveAccessibleDescription("Enter the country's two-letter code (like VN)");
  await userEvent.type(within(form).getByLabelText("Address 2 line 1"), "12  ly thuong KIET ");
  await userEvent.type(within(form).getByLabelText("Address 2 city"), "HANOI");
  await userEvent.type(within(form).getByLabelText("Address 2 province"), "hoan   kiem");
  await userEvent.type(within(form).getByLabelText("Address 2 postal code"), "100000");
  await userEvent.type(country, "vnm");
  expect(country).toHaveValue("VNM");
  expect(country).toHaveAttribute("aria-invalid", "true");
  expect(country).toHaveAccessibleDescription("Two letters: the country's code (like VN)");
  expect(save).toBeDisabled();

  await userEvent.type(country, "{Backspace}");
  expect(country).toHaveAttribute("aria-invalid", "false");
  const second = within(form).getByRole("group", { name: "Address 2" });
  expect(within(second).getByRole("alert")).toHaveTextContent("The same address as address 1");
  expect(second).toHaveAccessibleDescription("The same address as address 1");
  expect(within(form).getByRole("group", { name: "Address 1" })).not.toHaveAccessibleDescription();
  expect(save).toBeDisabled();
  expect(within(form).getByText("Save waits until the marked fields are right.")).toBeInTheDocument();

  // Another postal code: another address.
  await userEvent.type(within(form).getByLabelText("Address 2 postal code"), "1");
  expect(within(second).queryByRole("alert")).not.toBeInTheDocument();
  await userEvent.type(within(form).getByLabelText("Address 2 postal code"), "1".repeat(10));
  expect(within(form).getByLabelText("Address 2 postal code")).toHaveAccessibleDescription(
    "17 characters: at most 16",
  );
  expect(save).toBeDisabled();
  await userEvent.clear(within(form).getByLabelText("Address 2 postal code"));
  expect(save).toBeEnabled();
  expect(api.puts()).toHaveLength(0);
});

test("an address part the API refuses (422) is shown at its field until it is edited", async () => {
  signedInAs("agent", "A-1");
  const message = "String should have at least 1 character";
  contactsApi({ ...SAVED, addresses: [SHOP_ADDRESS] }, () => ({
    status: 422,
    body: {
      detail: [{ loc: ["body", "addresses", 0, "city"], msg: message, type: "string_too_short" }],
    },
  }));
  renderPage();
  const card = await contactsCard();
  const form = await openForm(card);
  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  const city = within(form).getByLabelText("Address 1 city");
  expect(await within(card).findByRole("alert")).toHaveTextContent(message);
  expect(city).toHaveAttribute("aria-invalid", "true");
  expect(city).toHaveAccessibleDescription(message);
  expect(within(form).getByLabelText("Address 1 line 1")).toHaveAttribute("aria-invalid", "false");

  await userEvent.type(city, "x");
  expect(city).toHaveAttribute("aria-invalid", "false");
  expect(within(card).queryByRole("alert")).not.toBeInTheDocument();
});

test("a draft kept by the page before addresses (none in it) opens with the addresses as saved, and keeps them", async () => {
  signedInAs("agent", "A-1");
  // What the older page kept in the tab: a phone added, no addresses.
  const { addresses: _addresses, ...older } = draftOf(SAVED);
  older.phones.push({ ...newPhone(), number: "0909 777 888" });
  sessionStorage.setItem("crm.draft.crm-contacts/agent-1/C/1", JSON.stringify(older));
  const api = contactsApi({ ...SAVED, addresses: [SHOP_ADDRESS] });
  renderPage();
  const card = await contactsCard();
  const form = await within(card).findByRole("form", { name: "Edit the contacts" });
  expect(within(form).getByLabelText("Phone 3 number")).toHaveValue("0909 777 888");
  expect(within(form).getByLabelText("Address 1 line 1")).toHaveValue("12 Ly Thuong Kiet");
  expect(within(form).getByLabelText("Address 1 country")).toHaveValue("VN");
  expect(within(card).getByRole("status")).toHaveTextContent(
    "Your unsaved changes to the contacts were restored.",
  );

  await userEvent.click(within(form).getByRole("button", { name: "Save" }));
  await within(card).findByText("Contacts saved (version 3).");
  expect(api.puts()[0]!.body).toEqual({
    phones: [...SAVED.phones, { ...newPhone(), number: "0909 777 888" }],
    emails: SAVED.emails,
    addresses: [SHOP_ADDRESS],
    version: 2,
  });
  expect(storedDrafts()).toEqual([]);
});

test("the draft helpers for addresses: an older draft completed, the 422 fields shown at a field", () => {
  const saved = { ...SAVED, addresses: [SHOP_ADDRESS] };
  const draft = draftOf(saved);
  expect(draft.addresses).toEqual([{ ...SHOP_ADDRESS, line2: "" }]);
  expect(completeDraft(draft, saved)).toBe(draft);
  const { addresses: _addresses, ...older } = draft;
  expect(completeDraft(older, saved)).toEqual(draft);
  expect(completeDraft(older, NO_CRM_CONTACTS).addresses).toEqual([]);
  expect(isUnchanged(draft, saved)).toBe(true);
  expect(contactsBody(draft).addresses).toEqual([SHOP_ADDRESS]);

  draft.addresses.push({
    ...newAddress("VN"),
    line1: "12 LY THUONG KIET",
    city: " hanoi ",
    province: "Hoan Kiem",
  });
  expect(isUnchanged(draft, saved)).toBe(false);
  expect(contactsProblems(draft)).toEqual({});
  draft.addresses[1]!.postal_code = "100 000";
  expect(contactsProblems(draft)).toEqual({});
  draft.addresses[1]!.postal_code = "100000";
  expect(contactsProblems(draft)).toEqual({ "addresses.1": "The same address as address 1" });

  for (const field of [
    "addresses",
    "addresses.1",
    "addresses.0.city",
    "addresses.1.postal_code",
    "phones.0",
  ]) {
    expect([field, isShownAtField(field, draft)]).toEqual([field, field !== "phones.0"]);
  }
  for (const field of ["addresses.2.city", "addresses.0.number", "addresses.x", "version", "toString"]) {
    expect([field, isShownAtField(field, draft)]).toEqual([field, false]);
  }
  expect(isShownAtField("phones.1.number", draft)).toBe(true);
  expect(isShownAtField("emails.0.address", draft)).toBe(true);
});
