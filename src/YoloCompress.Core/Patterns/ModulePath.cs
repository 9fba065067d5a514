namespace YoloCompress.Core.Patterns;

/// <summary>The module path torch's exporter encodes in its node names, in the form our own graphs use for
/// names, so a pattern written for a checkpoint (<c>model.24*</c>, <c>model.2.cv1</c>) also selects the
/// same layers of a reference export: <c>/model.2/m/m.0/cv1/conv/Conv</c> is module <c>model.2.m.0.cv1.conv</c>
/// (scopes joined by dots, the op name dropped, and a container's scope dropped where its child's name
/// repeats it: <c>m/m.0</c> is <c>m.0</c>).</summary>
public static class ModulePath
{
    /// <summary>The module path of an exporter-named node, or null for a name not of that form.</summary>
    public static string? Of(string nodeName)
    {
        if (nodeName.Length < 2 || nodeName[0] != '/') return null;
        var scopes = nodeName[1..].Split('/');
        if (scopes.Length < 2 || scopes.Any(s => s.Length == 0)) return null;
        var kept = new List<string>();
        for (int i = 0; i < scopes.Length - 1; i++)
        {
            bool repeatedByChild = i + 1 < scopes.Length - 1 && scopes[i + 1].StartsWith(scopes[i] + ".", StringComparison.Ordinal);
            if (!repeatedByChild) kept.Add(scopes[i]);
        }
        return string.Join('.', kept);
    }
}
