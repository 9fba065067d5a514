using System.IO.Compression;
using System.Text;
using YoloCompress.Core.Checkpoints;
using YoloCompress.Tests.Support;

namespace YoloCompress.Tests.Checkpoints;

/// <summary>Damaged or foreign files give a CheckpointFormatException that names the file and the problem.</summary>
public sealed class CheckpointErrorTests : IDisposable
{
    private readonly string _dir = TestData.NewTempFolder();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_file_that_is_not_a_zip()
    {
        var path = Path.Combine(_dir, "notes.pt");
        File.WriteAllText(path, "this is not a checkpoint");
        AssertFails(path, "not a readable zip");
    }

    [Fact]
    public void A_missing_file()
    {
        AssertFails(Path.Combine(_dir, "absent.pt"), "does not exist");
    }

    [Fact]
    public void A_truncated_zip()
    {
        var bytes = File.ReadAllBytes(TestData.Yolov5n);
        var path = Path.Combine(_dir, "truncated.pt");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertFails(path, "not a readable zip");
    }

    [Fact]
    public void An_archive_without_data_pkl()
    {
        var path = Rewrite("no-pickle.pt", (name, data) => name.EndsWith("data.pkl") ? null : data);
        AssertFails(path, "no data.pkl");
    }

    [Fact]
    public void A_pickle_that_ends_early()
    {
        var path = Rewrite("short-pickle.pt", (name, data) => name.EndsWith("data.pkl") ? data[..(data.Length * 2 / 3)] : data);
        AssertFails(path, "cannot be unpickled");
    }

    [Fact]
    public void A_checkpoint_without_model_or_ema()
    {
        // {'epoch': 1, 'model': None, 'ema': None} in pickle protocol 2
        var pickle = Concat(new byte[] { 0x80, 0x02, (byte)'}', (byte)'(' },
            Unicode("epoch"), new byte[] { (byte)'K', 1 }, Unicode("model"), new[] { (byte)'N' }, Unicode("ema"), new[] { (byte)'N' },
            new[] { (byte)'u', (byte)'.' });
        var path = Rewrite("no-model.pt", (name, data) => name.EndsWith("data.pkl") ? pickle : data);
        var e = AssertFails(path, "holds no model");
        Assert.Contains("epoch", e.Message);
    }

    [Fact]
    public void A_missing_tensor_storage()
    {
        var path = Rewrite("no-storage.pt", (name, data) => name == "archive/data/7" ? null : data);
        AssertFails(path, "'archive/data/7' is missing");
    }

    [Fact]
    public void A_storage_shorter_than_declared()
    {
        var path = Rewrite("short-storage.pt", (name, data) => name == "archive/data/0" ? data[..10] : data);
        AssertFails(path, "storage '0' holds 10 bytes");
    }

    [Fact]
    public void A_pickle_that_calls_a_function_runs_nothing()
    {
        var marker = Path.Combine(_dir, "pwned");
        // cos\nsystem\n(S'touch <marker>'\ntR.  -- protocol 0: os.system('touch ...')
        var pickle = Encoding.ASCII.GetBytes($"cos\nsystem\n(S'touch {marker}'\ntR.");
        var path = Rewrite("hostile.pt", (name, data) => name.EndsWith("data.pkl") ? pickle : data);
        // The call is kept as an inert record of os.system('touch ...'), which is not a checkpoint.
        AssertFails(path, "os.system object, not a checkpoint dictionary");
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_flipped_bit_in_a_stored_weight_fails_the_crc()
    {
        var file = File.ReadAllBytes(TestData.Yolov5n);
        var weights = CheckpointArchive.Entry(TestData.Yolov5n, "archive/data/0");
        int at = file.AsSpan().IndexOf(weights.AsSpan(0, 64));
        file[at + 100] ^= 0x10;
        var path = Path.Combine(_dir, "bitflip.pt");
        File.WriteAllBytes(path, file);
        AssertFails(path, "entry 'archive/data/0' cannot be read (damaged or truncated archive): its CRC-32 is");
    }

    [Fact]
    public void Weights_in_an_integer_storage_are_refused()
    {
        var path = Rewrite("bytes.pt", (name, data) => name.EndsWith("data.pkl")
            ? System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(data).Replace("torch\nHalfStorage\n", "torch\nByteStorage\n"))
            : data);
        AssertFails(path, "parameter 'model.0.conv.weight' is stored as Byte, not as floating point");
    }

    [Fact]
    public void A_model_that_contains_itself_stops_at_the_depth_limit()
    {
        // model = DetectionModel(); model._modules = OrderedDict(m=model): a cycle the module walk must not follow forever.
        var w = new PickleWriter().Proto(2).Global("models.yolo", "DetectionModel").Tuple(0).NewObj().Put(0)
            .EmptyDict().Mark()
            .Entry("yaml", x => x.EmptyDict())
            .Entry("_modules", x => x.OrderedDict(("m", y => y.Get(0))))
            .SetItems().Build().Stop();
        var path = CheckpointArchive.Create(Path.Combine(_dir, "cycle.pt"), w.ToArray());
        var e = AssertFails(path, "nests more than 64 modules deep");
        Assert.Equal("YC0050", e.Code);
    }

    [Fact]
    public void A_tensor_larger_than_its_storage_is_refused_before_allocating()
    {
        // A broadcast view (stride 0) of a billion elements over a storage of 4.
        var w = new PickleWriter().Proto(2).EmptyDict().Mark()
            .Entry("model", x => x.Object("models.yolo", "DetectionModel",
                ("yaml", y => y.EmptyDict()),
                ("_parameters", y => y.OrderedDict(("w", z => z.Tensor("FloatStorage", "0", 4, new long[] { 1_000_000_000 }, stride: new long[] { 0 })))),
                ("_modules", y => y.OrderedDict())))
            .SetItems().Stop();
        var path = CheckpointArchive.Create(Path.Combine(_dir, "broadcast.pt"), w.ToArray(), ("0", new byte[16]));
        AssertFails(path, "tensor 'w' has an invalid layout for storage '0' of 4 elements");
    }

    private static CheckpointFormatException AssertFails(string path, string expected)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointReader.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(path, e.FilePath);
        return e;
    }

    /// <summary>Copies yolov5n.pt entry by entry; the transform may replace an entry's bytes or drop it (null).</summary>
    private string Rewrite(string fileName, Func<string, byte[], byte[]?> transform)
    {
        var path = Path.Combine(_dir, fileName);
        using var source = ZipFile.OpenRead(TestData.Yolov5n);
        using var target = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var entry in source.Entries)
        {
            using var input = entry.Open();
            using var buffer = new MemoryStream();
            input.CopyTo(buffer);
            var data = transform(entry.FullName, buffer.ToArray());
            if (data is null) continue;
            using var output = target.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
            output.Write(data);
        }
        return path;
    }

    private static byte[] Unicode(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        return Concat(new[] { (byte)'X' }, BitConverter.GetBytes(utf8.Length), utf8);
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
