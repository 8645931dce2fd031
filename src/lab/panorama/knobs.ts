// Panorama-only knobs, on top of the PAN-OS ones (the Panorama answers the same XML API).
import { defaultKnobs, type HaState, type PanosKnobs } from '../panos/knobs.js';

export interface PanoramaKnobs extends PanosKnobs {
  /** Firewalls (hostname or serial) whose part of every push fails until the knob is cleared. */
  pushFailDevices: string[];
  /** Enqueue-to-FIN time of a commit-all (push) job. */
  pushDurationMs: number;
  /** Panorama 10.1: key pairs / PKCS#12 imported into a template failed with "private key doesn't
   * exist for csr" (pan-os-ansible #399, #555); true = refuse them, so clients import PEM cert + key. */
  rejectTemplateKeypairImport: boolean;
}

export function defaultPanoramaKnobs(haState: HaState = 'standalone'): PanoramaKnobs {
  return {
    ...defaultKnobs(haState),
    // 31 characters on Panorama, also for what it pushes [KF Validators, reference section 8].
    maxNameLength: 31,
    pushFailDevices: [],
    pushDurationMs: 300,
    rejectTemplateKeypairImport: true,
  };
}
