/// The content checksums (sha256) of the models this build ships under models/, which `make install` and the .deb
/// put in /usr/share/qinferd/models. When signatures are required, an embedded default is served unsigned only if
/// its verified checksum is one of these: the exemption covers exactly the files that were shipped.
///
/// Compiled in rather than read from a manifest beside the models: a manifest is as writable as the models it
/// vouches for (whoever can swap a model can regenerate the list), while these digests change only with the binary.
/// A test (ShippedModelDigestTests) fails when a model under models/ changes without this list, naming the digest.
public enum ShippedModels {
    public static let sha256: Set<String> = [
        "81aa887ba167016feeccb5af2d71b613dc35be153a8501bcdfe9078584ce3844", // models/bipointnet/bipointnet.qpack
        "cb99fc84517d6fc5afc74506702cfd581fa8d92ea0f0b80f7f2f9cccc41f258e", // models/irnet/irnet.qpack
    ]
}
