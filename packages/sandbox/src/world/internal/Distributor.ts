/**
 * The distributor the MSP buys every licence from: an Exact supplier account and a ConnectWise vendor.
 */

/** The distributor every licence is bought from; also a ConnectWise vendor. */
export const DISTRIBUTOR = {
  name: "CloudDistri Benelux B.V.",
  code: "90001",
  vatNumber: "NL862210945B01",
  chamberOfCommerce: "69120487",
  street: "Papendorpseweg 100",
  postcode: "3528 BJ",
  city: "Utrecht",
  phone: "+31 30 760 1200",
  website: "www.clouddistri.example"
} as const
