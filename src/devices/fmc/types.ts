// Shapes of the FMC REST objects this driver reads and writes (only the fields it uses).
// Field names follow the FMC API (terraform-provider-fmc gen/definitions, fmcapi, fireREST).

export interface FmcRef {
  id: string;
  name?: string;
  type?: string;
}

/** devices/devicerecords item (fmcapi DeviceRecords). */
export interface DeviceRecord extends FmcRef {
  name: string;
  sw_version?: string;
  model?: string;
}

/** devicehapairs/ftddevicehapairs item (terraform device_ha_pair.yaml). */
export interface HaPair extends FmcRef {
  name: string;
  primary?: FmcRef;
  secondary?: FmcRef;
}

/**
 * deviceclusters/ftddevicecluster item with expanded=true (terraform-provider-fmc device_cluster.yaml:
 * controlDevice.deviceDetails.id, dataDevices[].deviceDetails.id; FMC 6.x named them masterDevice/slaveDevices).
 */
export interface DeviceCluster extends FmcRef {
  name: string;
  controlDevice?: { deviceDetails?: FmcRef };
  dataDevices?: { deviceDetails?: FmcRef }[];
  masterDevice?: { deviceDetails?: FmcRef };
  slaveDevices?: { deviceDetails?: FmcRef }[];
}

export type EnrollmentType = 'SCEP' | 'ACME' | 'EST' | 'MANUAL' | 'SELF_SIGNED_CERTFICATE' | 'PKCS12';

/** object/certenrollments (model VpnCertEnrollmentModel, terraform certificate_enrollment.yaml). */
export interface CertEnrollment {
  id?: string;
  name: string;
  type: 'CertEnrollment';
  description?: string;
  enrollmentType: EnrollmentType;
  pkcs12Content?: { base64Certificate: string; passPhrase?: string };
  estContent?: { enrollmentUrl: string; username: string; password?: string; fingerprint?: string; ignoreServerCertificateValidations?: boolean };
  caCertificate?: { caOnly: boolean; base64Content: string };
  certificateParameters?: { includeFQDN?: string; customFqdn?: string; commonName?: string; organization?: string; countryCode?: string };
  key?: { keyType?: 'RSA' | 'ECDSA' | 'EdDSA'; keyName?: string; keySize?: string };
  validationUsage?: { ipsecClient?: boolean; sslClient?: boolean; sslServer?: boolean };
  [field: string]: unknown;
}

/** Status part of a devices/certificates item; these fields are inferred (see the lab emulator). */
export interface CertStatus {
  status?: string;
  serialNumber?: string;
  validTo?: string;
  issuer?: string;
  certificateContent?: string;
}

/** devices/certificates item (terraform model_fmc_device_certificate.go: type DeviceCertificate, certificate.id). */
export interface DeviceCertificate extends FmcRef {
  name: string;
  certificate?: FmcRef;
  enrollmentType?: string;
  status?: string;
  statusMessage?: string;
  identityCertificate?: CertStatus;
  caCertificates?: CertStatus[];
}

export interface TaskStatus {
  id: string;
  status: string;
  message?: string;
  subTasks?: { target?: string; status?: string; message?: string }[];
}

export interface TaskAnswer {
  metadata?: { task?: { id?: string } };
}

export interface RaVpn extends FmcRef {
  name: string;
  accessInterfaceSettings?: { sslIdCertificate?: FmcRef; [field: string]: unknown };
  [field: string]: unknown;
}

export interface PolicyAssignment {
  policy?: FmcRef;
  targets?: FmcRef[];
}

export interface DeployableDevice {
  device?: FmcRef;
  name?: string;
  version?: string;
  canBeDeployed?: boolean;
  upToDate?: boolean;
  isDeploying?: boolean;
}

export interface PendingChange {
  entity?: FmcRef;
  user?: { name?: string };
}

export interface Deployment {
  jobId?: string;
  status?: string;
  message?: string;
  statusMessage?: string;
}
